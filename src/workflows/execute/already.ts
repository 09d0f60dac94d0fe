/**
 * An undo command that fails only because its effect is already in place (the route it deletes is
 * gone, the address it adds is there): the state the undo wants holds, so the undo goes on. Matched
 * narrowly — the verb of the command and the kernel's or nft's answer for exactly that case — never
 * "any non-zero exit". Answers as iproute2 6.x and nftables 1.x print them (checked in a namespace).
 */

interface Rule {
  command: RegExp;
  answer: RegExp;
  state: string;
}

const IP = String.raw`\bip(?: -[46])?`;

const RULES: readonly Rule[] = [
  {
    command: new RegExp(`${IP} route del\\b`),
    answer: /RTNETLINK answers: No such process/,
    state: 'route already absent',
  },
  {
    command: new RegExp(`${IP} route add\\b`),
    answer: /RTNETLINK answers: File exists/,
    state: 'route already present',
  },
  {
    command: new RegExp(`${IP} addr(?:ess)? del\\b`),
    answer: /Error: ipv[46]: address not found|RTNETLINK answers: Cannot assign requested address/i,
    state: 'address already absent',
  },
  {
    command: new RegExp(`${IP} addr(?:ess)? add\\b`),
    // Kernels with extended ack say which; older ones only EEXIST.
    answer: /Error: ipv[46]: address already assigned|RTNETLINK answers: File exists/i,
    state: 'address already present',
  },
  {
    command: /\bnft delete element\b/,
    answer: /Error: Could not process rule: No such file or directory/,
    state: 'vmguard element already absent',
  },
  {
    // A persistent TAP of that name exists already (the name is the workload's own).
    command: /\bip tuntap add\b/,
    answer: /ioctl\(TUNSETIFF\): Device or resource busy/,
    state: 'TAP already present',
  },
  {
    command: /\bip (?:link|tuntap) del\b/,
    answer: /Cannot find device|does not exist/,
    state: 'TAP already absent',
  },
];

/** What is already in place when `command` failed with `stderr` for that reason only; else null. */
export function alreadyInPlace(command: string, stderr: string): string | null {
  for (const rule of RULES) if (rule.command.test(command) && rule.answer.test(stderr)) return rule.state;
  return null;
}
