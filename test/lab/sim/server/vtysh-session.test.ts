/**
 * One vtysh kept open over SSH (what a migration's verification asks a router through): the lab
 * answers it as FRR 8.4 does with a pipe for stdin, and every answer equals the one-shot `vtysh -c`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prefixRouteCommand,
  prefixRouteQuery,
  readPrefixRoutes,
} from '../../../../src/drivers/prefix-route.ts';
import { openVtyshSession } from '../../../../src/drivers/vtysh-session.ts';
import { startTestLab, type TestLab } from './helpers.ts';

describe('an open vtysh session on the lab', () => {
  let t: TestLab;
  beforeAll(async () => {
    t = await startTestLab({ writeState: false });
  });
  afterAll(async () => t?.close());

  it('answers each question as the one-shot command does, in order, on one channel', async () => {
    const router = t.inventory.devices.find((d) => d.role === 'router')!;
    const w = t.fabric.workloads()[0]!;
    const prefix = `${w.ipv4}/32`;
    const ssh = t.ssh(router.name);
    const session = await openVtyshSession(ssh, router);
    expect(session).not.toBeNull();
    const oneShot = (await ssh.exec(prefixRouteCommand(router, w.vrf, prefix))).stdout;
    const answers = await Promise.all([1, 2, 3].map(() => session!.ask(prefixRouteQuery(w.vrf, prefix))));
    for (const answer of answers) expect(answer).toBe(oneShot);
    expect(await readPrefixRoutes(ssh, router, w.vrf, prefix, session)).toEqual(
      await readPrefixRoutes(ssh, router, w.vrf, prefix),
    );
    expect(await session!.ask('show ip route vrf nosuch 192.0.2.1/32 json')).toBe('% VRF nosuch not found\n');
    expect(await session!.ask('show bogus')).toBe('% Unknown command: show bogus\n');
    session!.close();
    await expect(session!.ask('show hostname')).rejects.toThrow(/session ended/);
  });

  it('is refused (null, so callers use exec) when vtysh cannot start there', async () => {
    const router = t.inventory.devices.find((d) => d.role === 'router')!;
    const ssh = t.ssh(router.name);
    expect(await openVtyshSession(ssh, { vtysh: 'vtysh -N nosuchdevice' })).toBeNull();
    expect(
      await openVtyshSession({ exec: ssh.exec.bind(ssh), execStream: ssh.execStream.bind(ssh) }, router),
    ).toBeNull();
  });
});
