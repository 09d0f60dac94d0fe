/**
 * A synchronous face on PostgreSQL. The registry API is synchronous (better-sqlite3 set it, and
 * ~100 callers rely on transaction(fn) running fn's registry calls inline), so a worker thread owns
 * the `pg` clients and this thread blocks on Atomics.wait until it answers — a loopback or LAN
 * round trip (~1 ms) blocks no longer than better-sqlite3 waiting on the disk.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { RegistrySqlError, RegistryUnavailableError } from '../errors.ts';

export interface PgConnectConfig {
  host: string;
  port: number;
  user?: string;
  database: string;
  password?: string;
  sslmode: 'disable' | 'verify-ca' | 'verify-full';
  /** PEM text of the CA to trust (sslrootcert), read by the caller. */
  ca?: string;
}

export interface QueryResult {
  rows: unknown[];
  rowCount: number;
}

type Reply =
  | { ok: true; rows: unknown[]; rowCount: number }
  | { ok: false; error: { message: string; code: string | null } };

const WORKER = new URL('./worker.mjs', import.meta.url);

/** SQLSTATE classes that mean "the server is not there" (08: connection, 57P: shutdown) and Node socket errors. */
const UNAVAILABLE = /^(08|57P0|E[A-Z]+$)/;
/** Node's codes for a server certificate that does not verify (sslmode verify-ca/verify-full). */
const TLS = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|[A-Z_]*CERT[A-Z_]*$)/;

export class SyncPg {
  private readonly worker: Worker;
  private readonly replies: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private broken: string | null = null;
  private notifyHandler: ((channel: string, payload: string) => void) | null = null;

  constructor(
    config: PgConnectConfig,
    /** The URL without password, for messages. */
    readonly label: string,
    /** One statement's limit; the worker's client times out first, this is the backstop. */
    private readonly timeoutMs: number,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    const pgConfig = {
      ...config,
      application_name: 'routedeck',
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
    };
    this.worker = new Worker(WORKER, {
      workerData: { config: pgConfig, signal: this.signal.buffer, port: port2 },
      transferList: [port2],
    });
    // Notifications arrive asynchronously; requests never go through this listener.
    this.worker.on('message', (m: { notify?: string; payload?: string }) => {
      if (typeof m.notify === 'string') this.notifyHandler?.(m.notify, m.payload ?? '');
    });
    this.worker.on('error', (error) => (this.broken = `registry worker failed: ${error.message}`));
    this.worker.unref();
  }

  query(sql: string, params: readonly unknown[] = [], inTx = false): QueryResult {
    return this.call({ op: 'query', sql, params, inTx });
  }

  /** LISTENs on `channel` on a second connection; notifications reach `handler` on this thread's event loop. */
  listen(channel: string, handler: (channel: string, payload: string) => void): void {
    this.notifyHandler = handler;
    this.call({ op: 'listen', channel });
  }

  close(): void {
    if (!this.broken) {
      try {
        this.call({ op: 'close' }, 2000);
      } catch {
        // Closing a registry that already went away is not an error worth reporting.
      }
    }
    this.broken = 'registry closed';
    void this.worker.terminate();
  }

  private call(request: Record<string, unknown>, timeoutMs = this.timeoutMs + 2000): QueryResult {
    if (this.broken) throw new RegistryUnavailableError(this.label, this.broken);
    Atomics.store(this.signal, 0, 0);
    this.worker.postMessage(request);
    const deadline = Date.now() + timeoutMs;
    let message: Reply | undefined;
    for (;;) {
      const waited = Atomics.wait(this.signal, 0, 0, Math.max(0, deadline - Date.now()));
      message = receiveMessageOnPort(this.replies)?.message as Reply | undefined;
      if (message) break;
      // Woken without an answer: the previous call's notify can land after that call already read
      // its reply (the worker posts, stores, then notifies). Wait on, until the deadline.
      if (waited === 'timed-out' || Date.now() >= deadline) {
        // The worker is stuck in a call we can no longer trust: never reuse it.
        this.broken = `no answer within ${Math.round(timeoutMs / 1000)} s`;
        void this.worker.terminate();
        throw new RegistryUnavailableError(this.label, this.broken);
      }
    }
    if (message.ok) return { rows: message.rows, rowCount: message.rowCount };
    const { code, message: text } = message.error;
    if ((code && TLS.test(code)) || /does not support SSL/i.test(text))
      throw new RegistryUnavailableError(this.label, `TLS: ${text}`);
    if ((code && UNAVAILABLE.test(code)) || /timeout|terminated|Connection terminated/i.test(text))
      throw new RegistryUnavailableError(this.label, text);
    throw new RegistrySqlError(text, code);
  }
}
