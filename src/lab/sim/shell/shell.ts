/**
 * The login shell of a simulated device: what `ssh device 'CMD'` runs. Splits the line, strips
 * `sudo [-n]` (which makes the command root), runs each program, and never throws: failures
 * become stderr and an exit status, 127 for an unknown program as sh reports it.
 */
import { createHash } from 'node:crypto';
import type { SimExecResult } from '../types.ts';
import { ToolError } from '../model/errors.ts';
import type { SimNode } from '../model/node.ts';
import type { Prng } from '../model/prng.ts';
import { ip } from './ip.ts';
import { nft } from './nft.ts';
import { python3, wg } from './overlay.ts';
import { SyntaxError, tokenize } from './tokenize.ts';
import { vtysh } from './vtysh.ts';

export interface ShellContext {
  node: SimNode;
  prng: Prng;
  kernelRelease: string;
}

const ok = (stdout: string): SimExecResult => ({ stdout, stderr: '', code: 0 });

function stripSudo(argv: string[]): { argv: string[]; root: boolean } {
  if (argv[0] !== 'sudo') return { argv, root: false };
  let i = 1;
  while (i < argv.length && (argv[i] ?? '').startsWith('-')) i++;
  return { argv: argv.slice(i), root: true };
}

function program(ctx: ShellContext, raw: string[], stdin: string): SimExecResult {
  const { argv, root } = stripSudo(raw);
  const [name, ...args] = argv;
  const node = ctx.node;
  switch (name) {
    case 'sha256sum':
      // What a poll asks instead of a whole listing that has not changed (drivers/digest.ts).
      if (args.length > 0) return { stdout: '', stderr: 'sha256sum: only stdin in the lab\n', code: 1 };
      return ok(`${node.sha256(stdin, (text) => createHash('sha256').update(text).digest('hex'))}  -\n`);
    case undefined:
      return { stdout: '', stderr: 'usage: sudo -h | -K | -k | -V\n', code: 1 };
    case 'vtysh':
      return vtysh(node, args);
    case 'ip': {
      const out = ip({ node, root, prng: ctx.prng }, args);
      node.sync();
      return ok(out);
    }
    case 'nft': {
      const out = nft(node, args, root);
      return ok(out);
    }
    case 'wg':
      return ok(wg(node, args, root));
    case 'python3':
      return ok(python3(node, args, root));
    case 'hostname':
      return ok(`${node.name}\n`);
    case 'true':
      return ok('');
    case 'false':
      return { stdout: '', stderr: '', code: 1 };
    case 'echo':
      return ok(`${args.join(' ')}\n`);
    case 'whoami':
      return ok(root ? 'root\n' : node.spec.kind === 'vyos' ? 'vyos\n' : 'noc\n');
    case 'uname': {
      const all = args.includes('-a');
      return ok(
        all
          ? `Linux ${node.name} ${ctx.kernelRelease} #1 SMP PREEMPT_DYNAMIC Debian ${ctx.kernelRelease} x86_64 GNU/Linux\n`
          : 'Linux\n',
      );
    }
    default:
      return { stdout: '', stderr: `sh: 1: ${name}: not found\n`, code: 127 };
  }
}

/** A program's result; a tool's own failure (ToolError) as its stderr and exit status. */
function runProgram(ctx: ShellContext, argv: string[], stdin: string): SimExecResult {
  try {
    return program(ctx, argv, stdin);
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    ctx.node.sync();
    return { stdout: '', stderr: err.stderr, code: err.code };
  }
}

export function runShell(ctx: ShellContext, line: string): SimExecResult {
  let stdout = '';
  let stderr = '';
  let code = 0;
  let piped = '';
  let skipped = false;
  try {
    const commands = tokenize(line);
    // One program alone: its result as it is (cached documents stay bytes, SimExecResult.chunks).
    if (commands.length === 1) return runProgram(ctx, commands[0]!.argv, '');
    for (let i = 0; i < commands.length; i++) {
      const cmd = commands[i]!;
      // `a && b | c`: a pipeline runs or is skipped whole.
      skipped =
        cmd.after === '|'
          ? skipped
          : (cmd.after === '&&' && code !== 0) || (cmd.after === '||' && code === 0);
      if (skipped) continue;
      // A pipe: the previous program's output is this one's input, not the shell's output — never
      // added to it (a poll's `listing | sha256sum` is megabytes of a router's listing, for 64 bytes).
      const r = runProgram(ctx, cmd.argv, cmd.after === '|' ? piped : '');
      if (commands[i + 1]?.after === '|') piped = r.stdout;
      else stdout += r.stdout;
      stderr += r.stderr;
      code = r.code;
    }
  } catch (err) {
    if (err instanceof SyntaxError) return { stdout, stderr: `sh: 1: ${err.message}\n`, code: 2 };
    // A bug in the model must not kill the SSH server: report it like a crashed program.
    return {
      stdout,
      stderr: `${stderr}sh: 1: internal error: ${err instanceof Error ? err.message : String(err)}\n`,
      code: 134,
    };
  }
  return { stdout, stderr, code };
}
