import type { DeviceSpec } from '../model/device.ts';
import type { CommandRunner, CommandSession } from '../transport/types.ts';

/**
 * One vtysh kept open on a device (an exec channel without a pty, fed through stdin), for many
 * questions in a row: a vtysh start costs 40–80 ms (it connects to every daemon), a question on an open
 * one under 1 ms on FRR 8.4. Without a terminal vtysh prints its banner and prompt, then for each line
 * read: the line, its output, the prompt (`rtr1# `). Questions go one at a time.
 */
export interface VtyshSession {
  /** The command's output (without the echoed line and the prompt); rejects if the session ends. */
  ask(command: string): Promise<string>;
  close(): void;
}

/** The prompt ending vtysh's banner and each answer: the hostname and `#` (or `>` unprivileged). */
const PROMPT_AT_END = /(?:^|\n)([^\n]{1,80}[#>] )$/;

/**
 * Opens the session, or null when the device cannot hold one (the runner has no sessions, the channel
 * is refused, or no prompt comes within `timeoutMs`, e.g. a vtysh that wants a terminal): callers
 * then ask with one exec per question.
 */
export async function openVtyshSession(
  runner: CommandRunner,
  device: Pick<DeviceSpec, 'vtysh'>,
  timeoutMs = 3_000,
): Promise<VtyshSession | null> {
  if (!runner.session) return null;
  let channel: CommandSession;
  try {
    channel = await runner.session(device.vtysh.trim() || 'vtysh');
  } catch {
    return null;
  }
  let buffer = '';
  let closed = false;
  let waiter: ((done: boolean) => void) | null = null;
  channel.onData((chunk) => {
    buffer += chunk.toString('utf8');
    // A device that never stops talking is not a vtysh prompt: bounded like an exec's output.
    if (buffer.length > 16 * 1024 * 1024) channel.close('vtysh answer too large');
    waiter?.(false);
  });
  channel.onClose(() => {
    closed = true;
    waiter?.(true);
  });
  const until = (ready: () => boolean, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (ready()) return resolve(true);
      const timer = setTimeout(() => finish(false), ms);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        waiter = null;
        resolve(ok);
      };
      waiter = (ended) => {
        if (ended) finish(false);
        else if (ready()) finish(true);
      };
    });
  const opened = await until(() => PROMPT_AT_END.test(buffer), timeoutMs);
  const prompt = PROMPT_AT_END.exec(buffer)?.[1];
  if (!opened || prompt === undefined || closed) {
    channel.close('no vtysh prompt');
    return null;
  }
  buffer = '';
  let queue: Promise<unknown> = Promise.resolve();
  const askOne = async (command: string): Promise<string> => {
    if (closed) throw new Error('the vtysh session ended');
    buffer = '';
    channel.write(`${command}\n`);
    const ended = () => buffer === prompt || buffer.endsWith(`\n${prompt}`);
    if (!(await until(ended, 30_000))) {
      channel.close('no vtysh answer');
      throw new Error(closed ? 'the vtysh session ended' : `no answer to ${command} within 30 s`);
    }
    const text = buffer.slice(0, buffer.length - prompt.length);
    // vtysh echoes the line it read before the output.
    const newline = text.indexOf('\n');
    const echoed = newline >= 0 ? text.slice(0, newline) : text;
    if (echoed.trim() !== command.trim())
      throw new Error(`vtysh echoed ${JSON.stringify(echoed.slice(0, 80))}`);
    return newline >= 0 ? text.slice(newline + 1) : '';
  };
  return {
    ask(command) {
      const next = queue.then(() => askOne(command));
      queue = next.catch(() => undefined);
      return next;
    },
    close() {
      if (closed) return;
      closed = true;
      channel.close('verification done');
    },
  };
}
