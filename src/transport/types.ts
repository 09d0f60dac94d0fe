export interface ExecOptions {
  /** Whole-command deadline; the channel is closed and the promise rejects with TransportTimeoutError. */
  timeoutMs?: number;
  /** Output cap in bytes; past it the channel is closed and the promise rejects with OutputLimitError. */
  maxBytes?: number;
  /** Aborting it stops the command (the channel is closed) and rejects with CommandAbortedError. */
  signal?: AbortSignal;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status, or null when the remote end gave none (killed by signal). */
  code: number | null;
}

/** A running command we talk to over stdin/stdout (transport/ssh/shell.ts's RemoteShell, by shape). */
export interface CommandSession {
  write(data: string): void;
  onData(listener: (chunk: Buffer) => void): () => void;
  onClose(listener: () => void): () => void;
  close(reason?: string): void;
}

/** What drivers need from a device's shell: run a command, or stream a large output. */
export interface CommandRunner {
  /** A long-running command fed through stdin (absent: the runner cannot, callers fall back to exec). */
  session?(command: string): Promise<CommandSession>;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Streams stdout chunk by chunk (for full routing tables); resolves with exit code and stderr at the end. */
  execStream(
    command: string,
    onStdout: (chunk: Buffer) => void,
    options?: ExecOptions,
  ): Promise<{ code: number | null; stderr: string }>;
}

/** The read side of the VyOS HTTPS API that drivers need (`/retrieve showConfig`). */
export interface VyosConfigReader {
  showConfig(path: string[]): Promise<unknown>;
}
