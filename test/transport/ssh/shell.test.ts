import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteShell, ShellEnd } from '../../../src/transport/ssh/index.ts';
import { startTestLab, type TestLab } from '../../lab/sim/server/helpers.ts';

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function capture(shell: RemoteShell) {
  let output = '';
  let end: ShellEnd | undefined;
  shell.onData((chunk) => (output += chunk.toString('utf8')));
  shell.onClose((e) => (end = e));
  return { output: () => output, end: () => end };
}

// The pty shell on the connection the poller uses, against the embedded lab's SSH server.
describe('SshDeviceConnection.shell', () => {
  let t: TestLab;
  beforeAll(async () => {
    t = await startTestLab({ writeState: false });
  });
  afterAll(async () => t?.close());

  it('opens a pty shell beside exec on one connection; resize reaches the remote pty; exit ends it', async () => {
    const ssh = t.ssh('hv2');
    expect((await ssh.exec('hostname')).stdout).toBe('hv2\n');
    const shell = await ssh.shell({ cols: 90, rows: 20 });
    const s = capture(shell);
    await waitFor('the prompt', () => s.output().includes('noc@hv2:~$ '));
    shell.write('stty size\r');
    await waitFor('20 90', () => s.output().includes('stty size\r\n20 90\r\n'));
    shell.resize({ cols: 100, rows: 30 });
    shell.write('stty size\r');
    await waitFor('30 100', () => s.output().includes('\r\n30 100\r\n'));
    shell.write('ip -br addr\r');
    await waitFor('the loopback line', () =>
      s.output().includes('lo               UNKNOWN        127.0.0.1/8 '),
    );
    shell.write('ip -br link\r');
    await waitFor('the loopback link', () =>
      s.output().includes('lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \r\n'),
    );
    // Commands still run while the shell is open.
    expect((await ssh.exec('hostname')).stdout).toBe('hv2\n');
    shell.write('exit\r');
    await waitFor('the end', () => s.end() !== undefined);
    expect(s.end()).toEqual({ code: 0, reason: null });
    expect(shell.closed).toBe(true);
    expect(ssh.state).toBe('ready');
  });

  it('ends with the reason when the connection drops or routedeck closes it', async () => {
    const ssh = t.ssh('hv1');
    const first = capture(await ssh.shell({ cols: 80, rows: 24 }));
    await waitFor('the prompt', () => first.output().includes('$ '));
    t.lab.faults.dropSsh('hv1', 50);
    await waitFor('the drop', () => first.end() !== undefined);
    expect(first.end()?.reason).toMatch(/connection lost/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const shell = await ssh.shell({ cols: 80, rows: 24 });
    const second = capture(shell);
    await waitFor('the prompt', () => second.output().includes('$ '));
    shell.close();
    expect(second.end()).toEqual({ code: null, reason: 'closed by routedeck' });
    expect((await ssh.exec('hostname')).stdout).toBe('hv1\n');
  });
});
