/**
 * `vtysh [-N name] [-c CMD]…`: runs each command in turn like vtysh does, stopping at the first
 * failure with exit 1. Errors are printed on stdout, as vtysh does (`% Unknown command: …`).
 */
import { printedResult, printedText, type Printed, type SimExecResult } from '../types.ts';
import type { SimNode } from '../model/node.ts';
import { NoMatch, Words } from './keywords.ts';
import { configLine, VtyError, type VtyNode } from './vtysh-config.ts';
import { show } from './vtysh-show.ts';

const WRITE =
  'Note: this version of vtysh never writes vtysh.conf\nBuilding Configuration...\nIntegrated configuration saved to /etc/frr/frr.conf\n[OK]\n';

function splitWords(cmd: string): string[] {
  return cmd.trim().split(/\s+/).filter(Boolean);
}

function runOne(node: SimNode, ctx: VtyNode, cmd: string): { out: Printed; ctx: VtyNode } {
  const w = new Words(splitWords(cmd));
  if (w.done) return { out: '', ctx };
  // `do show …` works in any config node, plain `show …` only outside config.
  if (ctx.kind !== 'enable' && w.opt('do') === undefined && w.peek() !== 'show')
    return { out: '', ctx: configLine(node, ctx, w, cmd.trim()) };
  const first = w.kw('show', 'configure', 'write', 'end', 'exit', 'clear', 'terminal', 'enable', 'disable');
  switch (first) {
    case 'show':
      return { out: show(node, w), ctx };
    case 'configure':
      w.opt('terminal');
      w.end();
      return { out: '', ctx: { kind: 'config' } };
    case 'write':
      w.opt('memory', 'file', 'terminal');
      w.end();
      return { out: WRITE, ctx };
    case 'clear':
      w.rest();
      return { out: '', ctx };
    default:
      w.rest();
      return { out: '', ctx: { kind: 'enable' } };
  }
}

export function vtysh(node: SimNode, args: string[]): SimExecResult {
  const commands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-c' || a === '--command') {
      const c = args[++i];
      if (c === undefined)
        return { stdout: '', stderr: "vtysh: option requires an argument -- 'c'\n", code: 1 };
      commands.push(c);
    } else if (a === '-N' || a === '--pathspace') {
      const ns = args[++i];
      if (ns !== node.name)
        return { stdout: '', stderr: 'Exiting: failed to connect to any daemons.\n', code: 1 };
    } else if (a.startsWith('-c') && a.length > 2) commands.push(a.slice(2));
    else if (a === '-d' || a === '--daemon' || a === '-u' || a === '--user') i++;
    else if (
      a === '-E' ||
      a === '--echo' ||
      a === '-w' ||
      a === '--writeconfig' ||
      a === '-q' ||
      a === '--quiet'
    ) {
      if (a === '-w' || a === '--writeconfig') commands.push('write memory');
    } else return { stdout: '', stderr: `vtysh: invalid option -- '${a.replace(/^-+/, '')}'\n`, code: 1 };
  }
  if (commands.length === 0) {
    // No terminal on an exec channel: vtysh's interactive mode has nothing to talk to.
    return { stdout: '', stderr: 'vtysh: interactive mode is not available in the lab; use -c\n', code: 1 };
  }
  let ctx: VtyNode = { kind: 'enable' };
  let stdout = '';
  for (const cmd of commands) {
    try {
      const r = runOne(node, ctx, cmd);
      // One command's cached documents go out as they are (types.ts, SimExecResult.chunks).
      if (commands.length === 1 && typeof r.out !== 'string') return printedResult(r.out);
      stdout += printedText(r.out);
      ctx = r.ctx;
    } catch (err) {
      if (err instanceof NoMatch)
        return { stdout: `${stdout}% Unknown command: ${cmd.trim()}\n`, stderr: '', code: 1 };
      if (err instanceof VtyError) return { stdout: `${stdout}${err.message}\n`, stderr: '', code: 1 };
      throw err;
    } finally {
      node.sync();
    }
  }
  return { stdout, stderr: '', code: 0 };
}
