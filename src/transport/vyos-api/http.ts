import { request, type RequestOptions } from 'node:https';
import { VyosApiError, VyosConnectionError, VyosProtocolError, VyosTimeoutError } from './errors.ts';
import { connectPinned, type PreparedTrust } from './tls-trust.ts';

export interface HttpExchange {
  method: 'GET' | 'POST';
  url: URL;
  /** For error messages: `/retrieve`, `/info`, … */
  endpoint: string;
  headers: Record<string, string>;
  body?: Buffer;
  trust: PreparedTrust;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface HttpReply {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** One HTTPS request with a whole-exchange deadline (connect, TLS, request and reply). */
export async function exchange(x: HttpExchange): Promise<HttpReply> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), x.timeoutMs);
  try {
    return await send(x, controller.signal);
  } catch (e) {
    if (controller.signal.aborted) {
      throw new VyosTimeoutError(
        `VyOS API ${x.endpoint}: no reply from ${x.url.origin} within ${x.timeoutMs} ms`,
        {
          endpoint: x.endpoint,
          status: null,
        },
      );
    }
    if (e instanceof VyosApiError) throw e;
    const err = e as NodeJS.ErrnoException;
    const hint = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS/.test(err.code ?? '')
      ? ' (for a self-signed router, trust its CA file or pin its certificate fingerprint)'
      : '';
    throw new VyosConnectionError(
      `VyOS API ${x.endpoint}: cannot talk to ${x.url.origin}: ${err.message}${hint}`,
      {
        endpoint: x.endpoint,
        status: null,
        code: err.code,
        cause: e,
      },
    );
  } finally {
    clearTimeout(timer);
  }
}

async function send(x: HttpExchange, signal: AbortSignal): Promise<HttpReply> {
  const host = x.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = x.url.port ? Number(x.url.port) : 443;
  const options: RequestOptions = {
    host,
    port,
    method: x.method,
    path: `${x.url.pathname}${x.url.search}`,
    headers: { ...x.headers, ...(x.body ? { 'Content-Length': String(x.body.length) } : {}) },
    signal,
  };
  if (x.trust.mode === 'pin') {
    // The pinned socket is verified before https.request ever sees it (see connectPinned).
    const socket = await connectPinned({ host, port, sha256: x.trust.sha256, endpoint: x.endpoint, signal });
    options.createConnection = () => socket;
  } else {
    // Default verification: system CAs, or the given CA file; the hostname is always checked.
    options.agent = false;
    if (x.trust.mode === 'ca') options.ca = x.trust.ca;
  }
  return new Promise<HttpReply>((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > x.maxResponseBytes) {
          res.destroy();
          reject(
            new VyosProtocolError(`VyOS API ${x.endpoint}: reply larger than ${x.maxResponseBytes} bytes`, {
              endpoint: x.endpoint,
              status: res.statusCode ?? null,
            }),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(x.body);
  });
}
