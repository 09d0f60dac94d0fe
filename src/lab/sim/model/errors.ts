/** A command failed the way the real tool fails: this stderr text and this exit status. */
export class ToolError extends Error {
  constructor(
    readonly stderr: string,
    readonly code: number,
  ) {
    super(stderr.trim());
  }
}

/** iproute2's netlink failures: `RTNETLINK answers: File exists`, exit 2. */
export function rtnetlink(what: string): ToolError {
  return new ToolError(`RTNETLINK answers: ${what}\n`, 2);
}
