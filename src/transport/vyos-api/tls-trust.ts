import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import type { TlsTrust } from '../../model/device.ts';
import { VyosTlsPinError } from './errors.ts';

/** Trust settings with the CA file read and the pin normalised, ready for each request. */
export type PreparedTrust =
  { mode: 'system' } | { mode: 'ca'; ca: Buffer; caFile: string } | { mode: 'pin'; sha256: string };

/**
 * Normalises a SHA-256 fingerprint to Node's `AA:BB:…` form. Accepts colon-separated or plain
 * hex in either case (what `openssl x509 -fingerprint -sha256` or a browser shows).
 */
export function normalizeFingerprint(input: string): string {
  const hex = input
    .trim()
    .replace(/^sha256\s*(fingerprint)?\s*[=:]\s*/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new Error(
      `invalid SHA-256 fingerprint ${JSON.stringify(input)}: expected 64 hex digits, colons optional`,
    );
  }
  return hex.replace(/(..)(?!$)/g, '$1:');
}

export function prepareTrust(tls: TlsTrust): PreparedTrust {
  switch (tls.mode) {
    case 'system':
      return { mode: 'system' };
    case 'ca':
      try {
        return { mode: 'ca', ca: readFileSync(tls.caFile), caFile: tls.caFile };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? String(e);
        throw new Error(`cannot read TLS CA file ${tls.caFile}: ${code}`, { cause: e });
      }
    case 'pin':
      return { mode: 'pin', sha256: normalizeFingerprint(tls.sha256) };
  }
}

export interface PinnedConnectOptions {
  host: string;
  port: number;
  sha256: string;
  endpoint: string;
  signal: AbortSignal;
}

/**
 * Opens a TLS connection and accepts it only if the server certificate's SHA-256 fingerprint
 * equals the pin. The check runs on `secureConnect`, before the socket is handed to
 * `https.request`, so on a mismatch not one byte of the request (and so not the key) is sent.
 */
export function connectPinned(o: PinnedConnectOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) return reject(o.signal.reason);
    // Chain and hostname checks are disabled on this one socket only, because the pin replaces
    // them with a stricter check: exactly this certificate (the usual self-signed VyOS cert).
    // Never a process-wide switch such as NODE_TLS_REJECT_UNAUTHORIZED.
    const socket = connect({
      host: o.host,
      port: o.port,
      servername: isIP(o.host) ? undefined : o.host,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const onAbort = (): void => {
      socket.destroy();
      reject(o.signal.reason);
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      o.signal.removeEventListener('abort', onAbort);
      const presented = socket.getPeerCertificate().fingerprint256;
      const actual = presented ? normalizeFingerprint(presented) : '(no certificate)';
      if (actual !== o.sha256) {
        socket.destroy();
        reject(new VyosTlsPinError(o.sha256, actual, { endpoint: o.endpoint, status: null }));
        return;
      }
      resolve(socket);
    });
    socket.once('error', (e) => {
      o.signal.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}
