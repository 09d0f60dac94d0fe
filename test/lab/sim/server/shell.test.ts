import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineShell, toCrlf } from '../../../../src/lab/sim/server/shell.ts';
import type { SimExecResult } from '../../../../src/lab/sim/types.ts';
import { startTestLab, type TestLab } from './helpers.ts';

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function fakeShell(echo = true) {
  const out: string[] = [];
  const ran: string[] = [];
  let exited: number | undefined;
  const shell = new LineShell({
    prompt: '$ ',
    echo,
    run: async (line): Promise<SimExecResult> => {
      ran.push(line);
      return line === 'bad'
        ? { stdout: '', stderr: 'no\n', code: 2 }
        : { stdout: `a\nb`, stderr: '', code: 0 };
    },
    write: (text) => out.push(text),
    exit: (code) => (exited = code),
  });
  shell.start();
  return { shell, ran, text: () => out.join(''), exited: () => exited };
}

describe('LineShell', () => {
  it('echoes, edits with backspace, runs on Enter with CRLF output, and ignores arrow keys', async () => {
    const s = fakeShell();
    s.shell.feed('hostnamx\x7fe\x1b[A\r\n');
    await waitFor('the prompt', () => s.text().endsWith('\r\n$ '));
    expect(s.ran).toEqual(['hostname']);
    expect(s.text()).toBe('$ hostnamx\b \be\r\na\r\nb\r\n$ ');
  });

  it('Ctrl-C drops the line; `exit` ends with the last exit status; Ctrl-D on an empty line too', async () => {
    const s = fakeShell();
    s.shell.feed('rm -rf /\x03bad\r');
    await waitFor('bad', () => s.ran.length === 1);
    s.shell.feed('exit\r');
    await waitFor('exit', () => s.exited() !== undefined);
    expect(s.ran).toEqual(['bad']);
    expect(s.exited()).toBe(2);
    const d = fakeShell(false);
    d.shell.feed('x\x04');
    d.shell.feed('\x7f\x04');
    await waitFor('Ctrl-D', () => d.exited() !== undefined);
    expect(d.text()).toBe('$ ');
  });

  it('edits in the middle of the line with ← → Home End and Delete; ↑ is dropped whole', async () => {
    const s = fakeShell();
    // "hstname" → ← ×6 puts the cursor after "h"; type "o"; End; Home; Delete the "h"; type "h" back.
    s.shell.feed('hstname' + '\x1b[D'.repeat(6) + 'o\x1b[F\x1b[H\x1b[3~h\x1b[A\r');
    await waitFor('the run', () => s.ran.length === 1);
    expect(s.ran).toEqual(['hostname']);
  });

  it('answers `stty size` from the pty size, and refuses it without a pty', async () => {
    let size: { cols: number; rows: number } | undefined = { cols: 80, rows: 24 };
    const out: string[] = [];
    const shell = new LineShell({
      prompt: '$ ',
      echo: true,
      run: async () => ({ stdout: '', stderr: '', code: 0 }),
      write: (text) => out.push(text),
      exit: () => undefined,
      size: () => size,
    });
    shell.feed('stty size\r');
    await waitFor('24 80', () => out.join('').includes('24 80\r\n'));
    size = { cols: 132, rows: 50 };
    shell.feed('tput cols\r');
    await waitFor('132', () => out.join('').includes('\r\n132\r\n'));
    size = undefined;
    shell.feed('stty size\r');
    await waitFor('the refusal', () => out.join('').includes('Inappropriate ioctl'));
  });

  it('turns LF into CRLF without doubling existing CRLF', () => {
    expect(toCrlf('a\nb\r\nc')).toBe('a\r\nb\r\nc');
  });
});

describe('the pty shell over SSH', () => {
  let t: TestLab;
  beforeAll(async () => {
    t = await startTestLab({ writeState: false });
  });
  afterAll(async () => t?.close());

  it('shows a prompt, runs `hostname` and exits', async () => {
    const hv = t.spec('hv1');
    const knownHosts = await readFile(t.inventory.knownHostsFile, 'utf8');
    const privateKey = await readFile(path.join(t.lab.dir, 'id_ed25519'), 'utf8');
    const client = new ssh2.Client();
    let output = '';
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        client.once('error', reject);
        client.once('ready', () =>
          client.shell({ term: 'xterm', cols: 80, rows: 24 }, (error, ch) =>
            error ? reject(error) : resolve(ch),
          ),
        );
        client.connect({
          host: hv.host,
          port: hv.port,
          username: hv.user,
          privateKey,
          // Pin the lab's host key for this port, as the production transport does.
          hostVerifier: (key: Buffer) =>
            knownHosts.includes(`[127.0.0.1]:${hv.port} ssh-ed25519 ${key.toString('base64')}`),
        });
      });
      channel.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const closed = new Promise<number | undefined>((resolve) =>
        channel.on('exit', (code: number) => resolve(code)),
      );
      await waitFor('the prompt', () => output.includes('noc@hv1:~$ '));
      channel.setWindow(30, 100, 0, 0);
      channel.write('hostname\r');
      await waitFor('the answer', () => output.endsWith('hostname\r\nhv1\r\nnoc@hv1:~$ '));
      channel.write('exit\r');
      expect(await closed).toBe(0);
    } finally {
      client.end();
    }
  });
});
