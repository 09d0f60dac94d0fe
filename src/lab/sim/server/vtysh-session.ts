/**
 * vtysh run on an exec channel without `-c` (and without a pty): as FRR 8.4 does with a pipe for
 * stdin, a banner and the prompt, then for each line read the line itself, its output and the prompt
 * again (fixtures/frr-8.4-prefix/README.md; what src/drivers/vtysh-session.ts talks to). Each line
 * runs through the device's own `vtysh … -c LINE`, so the session answers exactly as one-shot calls.
 */
import type { ServerChannel } from 'ssh2';
import type { SimExecResult } from '../types.ts';
import { isClosed, sendExecResult } from './channel-io.ts';

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/** `vtysh`, `vtysh -N hv1`, `sudo -n vtysh`: a vtysh invocation with no command of its own. */
export function isInteractiveVtysh(command: string): boolean {
  const words = command.trim().split(/\s+/);
  while (words[0] === 'sudo' || words[0] === '-n') words.shift();
  if (words[0] !== 'vtysh') return false;
  return !words.some(
    (w) => w === '-c' || w.startsWith('-c') || w === '--command' || w === '-w' || w === '-f',
  );
}

export async function runVtyshSession(
  command: string,
  device: string,
  channel: ServerChannel,
  run: (line: string) => Promise<SimExecResult | undefined>,
): Promise<void> {
  // A vtysh that cannot start (wrong -N, daemons down) exits as the one-shot form does.
  const probe = await run(`${command} -c 'show hostname'`);
  if (!probe || isClosed(channel)) return;
  if (probe.code !== 0) return sendExecResult(channel, probe);
  const prompt = `${device}# `;
  channel.write(
    `\nHello, this is FRRouting (version 8.4.4).\nCopyright 1996-2005 Kunihiro Ishiguro, et al.\n\n${prompt}`,
  );
  let pending = '';
  let chain = Promise.resolve();
  channel.on('data', (data: Buffer) => {
    pending += data.toString('utf8');
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      chain = chain.then(async () => {
        const result =
          line.trim() === ''
            ? { stdout: '', stderr: '', code: 0 }
            : await run(`${command} -c ${quote(line)}`);
        if (result && !isClosed(channel)) channel.write(`${line}\n${result.stdout}${prompt}`);
      });
    }
  });
  channel.once('end', () => {
    void chain.then(() => {
      if (isClosed(channel)) return;
      channel.exit(0);
      channel.end();
    });
  });
}
