import { SshDeviceConnection } from '../transport/ssh/index.ts';
import { resolveInventory } from './common/inventory.ts';
import type { CliIo } from './common/io.ts';
import { UsageError } from './usage.ts';

/**
 * The explicit path to trust a device's unknown SSH host key: the operator sees the fingerprint and
 * says yes (or passes the fingerprint they verified out of band). A changed key is never accepted here.
 */
export async function runTrustHost(
  rest: string[],
  values: { inventory?: string; 'lab-netns'?: boolean; fingerprint?: string },
  io: CliIo,
): Promise<number> {
  const [name, ...extra] = rest;
  if (!name || extra.length > 0) throw new UsageError('trust-host needs one device name');
  const { inventory } = resolveInventory(values, io.env);
  const spec = inventory.devices.find((device) => device.name === name);
  if (!spec) throw new UsageError(`no device named ${JSON.stringify(name)} in the inventory`);
  const expected = values.fingerprint?.trim();
  const connection = new SshDeviceConnection({
    device: spec.name,
    host: spec.host,
    port: spec.port,
    username: spec.user,
    auth: spec.auth,
    knownHostsFile: inventory.knownHostsFile,
    trustUnknownHostKey: async (info) => {
      io.stderr.write(
        `${spec.name} (${spec.host}:${spec.port}) presents an unknown ${info.keyType} key ${info.fingerprint}\n`,
      );
      if (expected) return expected === info.fingerprint;
      if (!io.confirm) return false;
      return io.confirm(`Trust this key and add it to ${inventory.knownHostsFile}? [y/N] `);
    },
  });
  try {
    const result = await connection.exec('true', { timeoutMs: 15_000 });
    io.stdout.write(`${spec.name}: host key trusted; login works (exit ${result.code})\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`routedeck: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await connection.close();
  }
}
