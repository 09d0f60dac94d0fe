/**
 * Public-key authentication for one `routedeck serve` connection: only keys of the authorized
 * file, verified signatures, a bounded number of attempts; the username is kept as safe text.
 */
import ssh2 from 'ssh2';
import { findKey, type AuthorizedKey } from './authorized-keys.ts';
import { clientText } from './limits.ts';

export interface Authenticated {
  /** The SSH username, escaped and shortened. */
  user: string;
  key: AuthorizedKey;
}

export function authenticateClients(
  client: ssh2.Connection,
  opts: {
    authorized: readonly AuthorizedKey[];
    maxAttempts: number;
    /** The client's address, already safe text. */
    from: string;
    notice(key: string, message: string): void;
  },
): () => Authenticated | undefined {
  let who: Authenticated | undefined;
  let attempts = 0;
  const { from, notice } = opts;
  client.on('authentication', (ctx) => {
    attempts += 1;
    if (attempts > opts.maxAttempts) {
      notice(
        `attempts|${from}`,
        `closed a connection from ${from}: more than ${opts.maxAttempts} authentication attempts`,
      );
      return client.end();
    }
    if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
    const found = findKey(opts.authorized, ctx.key.algo, ctx.key.data);
    if (!found) {
      notice(
        `refused-key|${from}`,
        `refused ${clientText(ctx.username)}@${from}: key not in the authorized file`,
      );
      return ctx.reject(['publickey']);
    }
    // Without a signature the client only asks whether the key would do.
    if (!ctx.signature || !ctx.blob) return ctx.accept();
    const parsed = ssh2.utils.parseKey(`${found.type} ${found.blob.toString('base64')}`);
    if (
      parsed instanceof Error ||
      Array.isArray(parsed) ||
      !parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo)
    )
      return ctx.reject(['publickey']);
    who = { user: clientText(ctx.username), key: found };
    ctx.accept();
  });
  return () => who;
}
