/**
 * POSIX shell quoting for arguments that drivers put into remote command lines.
 *
 * The remote side of an SSH exec channel hands the command string to the login shell, so every
 * argument that came from data (a VRF name, an interface, a vtysh command) must be quoted to stay
 * one word and never be interpreted.
 */

// Words made only of these characters mean the same quoted or not; leaving them bare keeps the
// commands shown in a plan preview readable (`vtysh -N hv1 -c '…'`).
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argument for a POSIX shell: bare when obviously safe, otherwise in single quotes. */
export function shellQuote(arg: string): string {
  // A NUL cannot be part of an argv string; the remote shell would silently truncate it.
  if (arg.includes('\0')) throw new Error('shellQuote: argument contains a NUL byte');
  if (SAFE_WORD.test(arg)) return arg;
  // Inside single quotes nothing is special except the closing quote itself, which is written
  // as: end quote, escaped quote, reopen quote.
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Quotes every argument and joins them with spaces into one command line. */
export function shellJoin(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}
