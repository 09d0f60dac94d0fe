/** Device output that could not be understood. Drivers turn it into a per-device partial error. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(
    /** What was wrong, without the command. */
    readonly detail: string,
    /** Which command's output failed, when known (the driver fills it in). */
    readonly command?: string,
    /** Character offset in the output where parsing stopped, when known. */
    readonly offset?: number,
    /** The device that printed it, when known (the driver fills it in). */
    readonly device?: string,
  ) {
    super([device, command, detail].filter((x) => x !== undefined).join(': '));
  }

  /** The same error, naming the device whose output it was. */
  onDevice(device: string): ParseError {
    return this.device ? this : new ParseError(this.detail, this.command, this.offset, device);
  }

  /** The same error, naming the command whose output it was (and the device, when given). */
  forCommand(command: string, device?: string): ParseError {
    const named = this.command ?? command;
    const on = this.device ?? device;
    if (named === this.command && on === this.device) return this;
    return new ParseError(this.detail, named, this.offset, on);
  }
}

/** A command that ran but failed on the device (non-zero exit, vtysh `%` error, daemon not running). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly detail: string,
  ) {
    super(`${command}: ${code === null ? 'killed' : code === 0 ? 'failed' : `exit ${code}`}: ${detail}`);
  }
}

/** Zod-style issue list to one line: `path.to.field: message; …` (first few only). */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const shown = issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return shown.join('; ') + (issues.length > 3 ? `; and ${issues.length - 3} more` : '');
}
