import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendControl } from '../../../../src/lab/sim/server/control.ts';
import { SshConnectError } from '../../../../src/transport/ssh/index.ts';
import { VyosUnavailableError } from '../../../../src/transport/vyos-api/index.ts';
import { startTestLab, type TestLab } from './helpers.ts';

describe('lab faults', () => {
  let t: TestLab;

  beforeAll(async () => {
    t = await startTestLab({ writeState: false });
  });
  afterAll(async () => t?.close());

  it('dropSsh cuts the connection and refuses new ones for a while, then serves again', async () => {
    const ssh = t.ssh('hv1');
    expect((await ssh.exec('hostname')).code).toBe(0);
    t.lab.faults.setSlow('hv1', 5000);
    const inFlight = ssh.exec('hostname');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Refused for longer than the test runs, so a late look cannot find it open again already.
    t.lab.faults.dropSsh('hv1', 3_600_000);
    t.lab.faults.setSlow('hv1', 0);
    await expect(inFlight).rejects.toThrow(/hv1/);
    await expect(t.ssh('hv1').exec('hostname')).rejects.toBeInstanceOf(SshConnectError);
    // A short refusal ends by itself: once its time is past, new connections are served.
    t.lab.faults.dropSsh('hv1', 200);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await t.ssh('hv1').exec('hostname')).stdout).toBe('hv1\n');
    // The old connection reconnects by itself once its backoff allows.
    expect((await ssh.exec('hostname')).stdout).toBe('hv1\n');
  });

  it('an API fault 503 is VyosUnavailableError until cleared', async () => {
    const api = await t.api('spine1');
    t.lab.faults.setApiFault('spine1', { status: 503 });
    await expect(api.returnValue(['system', 'host-name'])).rejects.toBeInstanceOf(VyosUnavailableError);
    t.lab.faults.setApiFault('spine1', { status: null });
    expect(await api.returnValue(['system', 'host-name'])).toBe('spine1');
  });

  it('slow delays every reply by at least the set time', async () => {
    const ssh = t.ssh('hv1');
    await ssh.exec('hostname');
    t.lab.faults.setSlow('hv1', 250);
    const started = Date.now();
    await ssh.exec('hostname');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // Cleared, a delay longer than this test may run no longer applies: the reply comes at all.
    t.lab.faults.setSlow('hv1', 3_600_000);
    t.lab.faults.clear('hv1');
    expect(await ssh.exec('hostname')).toMatchObject({ stdout: 'hv1\n' });
  });

  it('rejects bad arguments in the API too, and changes nothing', () => {
    expect(() => t.lab.faults.dropSsh('nope', 10)).toThrow(
      /unknown device "nope"; the lab has spine1, spine2, hv1/,
    );
    expect(() => t.lab.faults.setSlow('hv1', -1)).toThrow(/whole number of ms/);
    expect(() => t.lab.faults.setApiFault('hv1', { status: 503 })).toThrow(/hv1 has no HTTPS API/);
    expect(t.lab.faults.status().every((s) => s.slowMs === 0 && !s.api && !s.sshDownUntil)).toBe(true);
  });

  describe('control socket', () => {
    it('runs commands and reports status and events', async () => {
      const sock = t.lab.controlSocket;
      expect(await sendControl(sock, { cmd: 'flap', device: 'spine1', peer: 'eth1', downMs: 3000 })).toEqual({
        ok: true,
      });
      const summary = await t.ssh('spine1').exec("vtysh -c 'show bgp summary json'");
      const peers = (
        JSON.parse(summary.stdout) as { ipv4Unicast: { peers: Record<string, { state: string }> } }
      ).ipv4Unicast.peers;
      expect(peers['eth1']?.state).not.toBe('Established');
      expect(await sendControl(sock, { cmd: 'slow', device: 'hv1', ms: 100 })).toEqual({ ok: true });
      expect(
        await sendControl(sock, { cmd: 'api-fault', device: 'spine1', status: 500, delayMs: 10 }),
      ).toEqual({ ok: true });
      expect(await sendControl(sock, { cmd: 'drop-ssh', device: 'hv1', forMs: 1 })).toEqual({ ok: true });

      const status = await sendControl(sock, { cmd: 'status' });
      expect(status).toMatchObject({ ok: true, pid: process.pid, inventoryPath: t.lab.inventoryPath });
      expect(status).toMatchObject({
        faults: expect.arrayContaining([
          expect.objectContaining({ device: 'spine1', slowMs: 0, api: { status: 500, delayMs: 10 } }),
          { device: 'hv1', slowMs: 100 },
        ]),
      });
      const reply = await sendControl(sock, { cmd: 'events', limit: 50 });
      if (!reply.ok) throw new Error(reply.error);
      const events = reply['events'] as { device: string; message: string }[];
      const messages = events.map((e) => `${e.device}: ${e.message}`);
      expect(
        messages.some((m) => m.startsWith('spine1: ') && !m.includes('fault:')),
        'a fabric event',
      ).toBe(true);
      expect(messages).toContain('spine1: fault: BGP session eth1 flapped for 3000 ms');

      expect(await sendControl(sock, { cmd: 'clear' })).toEqual({ ok: true });
      expect(t.lab.faults.status().every((s) => s.slowMs === 0 && !s.api)).toBe(true);
    });

    it('rejects bad input with a clear error and changes nothing', async () => {
      const sock = t.lab.controlSocket;
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ cmd: 'flap', device: 'spine9', peer: 'eth1' }, /unknown device "spine9"/],
        [{ cmd: 'flap', device: 'spine1', peer: 'eth7' }, /spine1 has no BGP session eth7/],
        [{ cmd: 'flap', device: 'spine1', peer: 'eth1;reboot' }, /peer must be/],
        [{ cmd: 'slow', device: 'hv1', ms: '100' }, /^ms: /],
        [{ cmd: 'slow', device: 'hv1', ms: 1e9 }, /^ms: /],
        [{ cmd: 'slow', device: 'hv1', ms: 5, extra: 1 }, /extra/],
        [{ cmd: 'api-fault', device: 'spine1', status: 404 }, /^status: /],
        [{ cmd: 'api-fault', device: 'hv1', status: 503 }, /hv1 has no HTTPS API/],
        [{ cmd: 'reboot' }, /^device: /],
        [{ cmd: 'reboot', device: 'hv1' }, /hv1 is not a VyOS router/],
        [{ cmd: 'shutdown' }, /cmd must be one of status, events, drop-ssh/],
        [{}, /cmd must be one of/],
      ];
      for (const [command, error] of cases) {
        const reply = await sendControl(sock, command);
        expect(reply.ok, JSON.stringify(command)).toBe(false);
        expect(reply.ok ? '' : reply.error, JSON.stringify(command)).toMatch(error);
      }
      expect(t.lab.faults.status().every((s) => s.slowMs === 0 && !s.api)).toBe(true);
    });

    it('answers a line that is not JSON, and several commands on one connection', async () => {
      const { createConnection } = await import('node:net');
      const socket = createConnection(t.lab.controlSocket);
      const lines: string[] = [];
      socket.setEncoding('utf8');
      let buffer = '';
      await new Promise<void>((resolve) => {
        socket.on('data', (chunk: string) => {
          buffer += chunk;
          const parts = buffer.split('\n');
          buffer = parts.pop() ?? '';
          lines.push(...parts);
          if (lines.length === 2) resolve();
        });
        socket.write('hello\n{"cmd":"clear","device":"hv1"}\n');
      });
      socket.destroy();
      expect(JSON.parse(lines[0]!)).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON/) });
      expect(JSON.parse(lines[1]!)).toEqual({ ok: true });
    });
  });
});
