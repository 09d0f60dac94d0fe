/**
 * `nft -j list ruleset`, `nft -j list table inet vmguard` and `nft add|delete element inet vmguard allow4|allow6 { "tap" . A/L, … }`.
 * nft joins its arguments and parses them itself, so the braces may arrive as one quoted word or
 * many; elements are checked against the set's type as nft would.
 */
import { parseCidr } from '../model/addr.ts';
import { ToolError } from '../model/errors.ts';
import type { SimNode } from '../model/node.ts';
import { nftRulesetJson, nftVmguardJson } from '../render/nft.ts';

function syntax(line: string, at: string): ToolError {
  const col = Math.max(0, line.indexOf(at));
  return new ToolError(
    `Error: syntax error, unexpected ${at ? `'${at}'` : 'end of file'}\n${line}\n${' '.repeat(col)}${'^'.repeat(Math.max(1, at.length))}\n`,
    1,
  );
}

export function nft(node: SimNode, argv: string[], root: boolean): string {
  const json = argv[0] === '-j' || argv[0] === '--json';
  const args = json ? argv.slice(1) : argv;
  const line = args.join(' ');
  if (!root) throw new ToolError('Error: Could not process rule: Operation not permitted\n', 1);
  if (/^list ruleset$/.test(line)) {
    if (!json) throw new ToolError('the lab prints the ruleset as JSON (nft -j list ruleset)\n', 1);
    return nftRulesetJson(node);
  }
  if (/^list table inet vmguard$/.test(line)) {
    const out = json ? nftVmguardJson(node) : null;
    if (out === null) {
      if (json || node.spec.role !== 'hypervisor')
        throw new ToolError(`Error: No such file or directory\n${line}\n${' '.repeat(16)}^^^^^^^\n`, 1);
      throw new ToolError('the lab prints the table as JSON (nft -j list table inet vmguard)\n', 1);
    }
    return out;
  }
  const m = /^(add|delete|create) element (\S+) (\S+) (\S+) \{(.*)\}\s*$/.exec(line);
  if (!m) throw syntax(line, args[0] ?? '');
  const [, verb = '', family, table, set = '', body = ''] = m;
  const target = set === 'allow4' ? node.nft.allow4 : set === 'allow6' ? node.nft.allow6 : undefined;
  if (family !== 'inet' || table !== 'vmguard' || !target || node.spec.role !== 'hypervisor') {
    throw new ToolError(
      `Error: No such file or directory; did you mean table 'vmguard' in family inet?\n${line}\n`,
      1,
    );
  }
  const elements = body
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (elements.length === 0) throw syntax(line, '}');
  const parsed = elements.map((e) => {
    const em = /^"?([A-Za-z0-9_.+-]{1,15})"?\s*\.\s*(\S+)$/.exec(e);
    const p = em ? parseCidr(em[2] ?? '', set === 'allow4' ? 4 : 6) : null;
    if (!em || !p)
      throw new ToolError(
        `Error: Could not parse ${set === 'allow4' ? 'IPv4' : 'IPv6'} address\n${line}\n`,
        1,
      );
    return `${em[1]} . ${p.text}`;
  });
  for (const e of parsed) {
    if (verb === 'delete' && !target.has(e))
      throw new ToolError(`Error: Could not process rule: No such file or directory\n${line}\n`, 1);
    if (verb === 'create' && target.has(e))
      throw new ToolError(`Error: Could not process rule: File exists\n${line}\n`, 1);
  }
  for (const e of parsed) {
    if (verb === 'delete') target.delete(e);
    else target.add(e);
  }
  return '';
}
