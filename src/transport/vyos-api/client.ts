import { z } from 'zod';
import type { TlsTrust } from '../../model/device.ts';
import type { VyosConfigReader } from '../types.ts';
import { interpretReply } from './envelope.ts';
import { VyosProtocolError } from './errors.ts';
import { exchange, type HttpExchange } from './http.ts';
import { prepareTrust, type PreparedTrust } from './tls-trust.ts';

export interface VyosApiClientOptions {
  /** Base URL, e.g. `https://192.0.2.1` or `https://r1.example.net:8443`. */
  url: string;
  /** The API key itself, already resolved from its SecretRef (see resolveSecret). */
  key: string;
  tls: TlsTrust;
  /** Deadline per request, connect to last byte (default 15 s). */
  timeoutMs?: number;
  /** Reply size cap (default 64 MiB; a full config is a few MB). */
  maxResponseBytes?: number;
}

export type ConfigFormat = 'json' | 'json_ast' | 'raw';

export interface VyosCommand {
  op: 'set' | 'delete' | 'comment';
  path: string[];
  value?: string;
}

export interface ConfigureResult {
  /** 1.3/1.4: null; 1.5: the commit's output (warnings, often empty). */
  output: string | null;
  /**
   * True only when the router acknowledged commit-confirm. 1.3/1.4 silently ignore
   * `confirm_time` and commit for good: callers must check this before relying on a revert.
   */
  confirmPending: boolean;
}

export interface VyosInfo {
  version?: string;
  hostname?: string;
  banner?: string;
}

const InfoData = z.object({ version: z.string(), hostname: z.string(), banner: z.string() }).partial();

/**
 * Client for the VyOS HTTPS API (reference §1). Every call is `POST <url>/<endpoint>` with a
 * urlencoded form of two fields: `data` (a JSON string) and `key`. The key never goes in a
 * header or the URL, and no error message contains it.
 */
export class VyosApiClient implements VyosConfigReader {
  readonly url: string;
  /** Retrieve ops grouped as on the server (`/retrieve`). */
  readonly retrieve: Pick<VyosApiClient, 'showConfig' | 'returnValue' | 'returnValues' | 'exists'>;
  // A private field, so util.inspect/console.log of the client cannot print the key.
  readonly #key: string;
  readonly #trust: PreparedTrust;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(opts: VyosApiClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    if (!/^https:\/\//i.test(this.url)) throw new Error(`VyOS API URL must be https://…, got ${this.url}`);
    this.#key = opts.key;
    this.#trust = prepareTrust(opts.tls);
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
    this.#maxResponseBytes = opts.maxResponseBytes ?? 64 * 1024 * 1024;
    this.retrieve = {
      showConfig: (path, format) => this.showConfig(path, format),
      returnValue: (path) => this.returnValue(path),
      returnValues: (path) => this.returnValues(path),
      exists: (path) => this.exists(path),
    };
  }

  /** `/retrieve showConfig`: nested JSON (tag nodes as objects, single values as strings). */
  showConfig(path: string[], format: ConfigFormat = 'json'): Promise<unknown> {
    const data =
      format === 'json' ? { op: 'showConfig', path } : { op: 'showConfig', path, configFormat: format };
    return this.#post('/retrieve', data);
  }

  /** The leaf's value, or null when the path does not exist. */
  async returnValue(path: string[]): Promise<string | null> {
    return this.#expect('/retrieve', { op: 'returnValue', path }, z.string().nullable());
  }

  async returnValues(path: string[]): Promise<string[]> {
    return this.#expect('/retrieve', { op: 'returnValues', path }, z.array(z.string()));
  }

  async exists(path: string[]): Promise<boolean> {
    return this.#expect('/retrieve', { op: 'exists', path }, z.boolean());
  }

  /**
   * `/configure`: all commands in one request, so one commit; on any error the router discards
   * the whole batch. Not saved: call saveConfig(). `confirmTime` (minutes) needs 1.5 rolling.
   */
  async configure(commands: VyosCommand[], opts: { confirmTime?: number } = {}): Promise<ConfigureResult> {
    if (commands.length === 0) throw new Error('configure: no commands');
    for (const c of commands) {
      if (c.path.length === 0 || c.path.some((p) => typeof p !== 'string' || p === '')) {
        throw new Error(`configure: ${c.op} needs a non-empty path of non-empty words`);
      }
    }
    const { confirmTime } = opts;
    if (confirmTime !== undefined && (!Number.isInteger(confirmTime) || confirmTime < 1)) {
      throw new Error(`configure: confirmTime must be a whole number of minutes ≥ 1, got ${confirmTime}`);
    }
    // A list in `data` is wrapped into `commands` by the server; confirm_time needs the object form.
    const data = confirmTime ? { commands, confirm_time: confirmTime } : commands;
    const output = await this.#expect('/configure', data, z.string().nullable());
    return {
      output,
      confirmPending: confirmTime !== undefined && /Initialized commit-confirm/.test(output ?? ''),
    };
  }

  /**
   * Keeps a commit-confirm change. Sent to `/config-file`: a form `{"op":"confirm"}` on
   * `/configure` fails the form's path check upstream ([V1x] `MultipartRequest.body`).
   */
  async confirm(): Promise<string> {
    return this.#expect('/config-file', { op: 'confirm' }, z.string());
  }

  /** `/config-file save`; VyOS does not save on commit. */
  async saveConfig(file?: string): Promise<string> {
    return this.#expect('/config-file', file ? { op: 'save', file } : { op: 'save' }, z.string());
  }

  /** `/show`: op-mode output as plain text (no JSON state here: use SSH/vtysh for that). */
  async show(path: string[]): Promise<string> {
    return this.#expect('/show', { op: 'show', path }, z.string());
  }

  /** `GET /info` (1.5 rolling, no key); null on versions without it (404). */
  async info(): Promise<VyosInfo | null> {
    const reply = await exchange(this.#exchangeBase('/info', 'GET'));
    if (reply.status === 404) return null;
    return this.#check('/info', interpretReply('/info', reply, this.#key), InfoData);
  }

  async #post(endpoint: string, data: unknown): Promise<unknown> {
    const body = Buffer.from(new URLSearchParams({ data: JSON.stringify(data), key: this.#key }).toString());
    const reply = await exchange({
      ...this.#exchangeBase(endpoint, 'POST'),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
    });
    return interpretReply(endpoint, reply, this.#key);
  }

  async #expect<T>(endpoint: string, data: unknown, schema: z.ZodType<T>): Promise<T> {
    return this.#check(endpoint, await this.#post(endpoint, data), schema);
  }

  #check<T>(endpoint: string, value: unknown, schema: z.ZodType<T>): T {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const shown = JSON.stringify(value)?.slice(0, 200) ?? String(value);
    throw new VyosProtocolError(
      `VyOS API ${endpoint}: unexpected data ${shown}: ${r.error.issues[0]?.message}`,
      {
        endpoint,
        status: 200,
      },
    );
  }

  #exchangeBase(endpoint: string, method: 'GET' | 'POST'): HttpExchange {
    return {
      method,
      url: new URL(`${this.url}${endpoint}`),
      endpoint,
      headers: {},
      trust: this.#trust,
      timeoutMs: this.#timeoutMs,
      maxResponseBytes: this.#maxResponseBytes,
    };
  }
}
