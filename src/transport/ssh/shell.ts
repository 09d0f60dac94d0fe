/**
 * An interactive shell on a device: a session channel with a pty, on the connection the console
 * already polls through (same host-key check, same login, no second handshake).
 */
import type { Client, ClientChannel } from 'ssh2';

export interface ShellSize {
  cols: number;
  rows: number;
}

export interface ShellRequest extends ShellSize {
  /** TERM for the remote side (default `xterm-256color`: what the console's emulator answers to). */
  term?: string;
}

export interface ShellEnd {
  /** The remote exit status, when the server sent one. */
  code: number | null;
  /** Why it ended when it was not the remote shell exiting (connection lost, closed by us). */
  reason: string | null;
}

export interface RemoteShell {
  /** Keystrokes, as bytes a terminal sends. Ignored once closed. */
  write(data: string | Buffer): void;
  /** The new window size, sent to the remote pty (SIGWINCH there). */
  resize(size: ShellSize): void;
  /** Output (stdout and stderr alike: a pty merges them). Output that came before the first listener is replayed to it. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Called once when the shell ends, at once if it already has. */
  onClose(listener: (end: ShellEnd) => void): () => void;
  readonly closed: boolean;
  /** Hangs up this shell only; the connection stays for the commands. */
  close(reason?: string): void;
}

/** Wraps an open pty channel. */
export class PtyShell implements RemoteShell {
  private readonly channel: ClientChannel;
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly closeListeners = new Set<(end: ShellEnd) => void>();
  private early: Buffer[] = [];
  private ended: ShellEnd | null = null;
  private code: number | null = null;
  private reason: string | null = null;
  private size: ShellSize;

  constructor(channel: ClientChannel, size: ShellSize) {
    this.channel = channel;
    this.size = size;
    const take = (chunk: Buffer) => {
      if (this.dataListeners.size === 0) this.early.push(chunk);
      for (const listener of [...this.dataListeners]) listener(chunk);
    };
    channel.on('data', take);
    channel.stderr.on('data', take);
    channel.on('exit', (code: unknown) => {
      this.code = typeof code === 'number' ? code : null;
    });
    channel.on('error', () => undefined); // the close that follows reports it
    channel.once('close', () => this.finish());
  }

  get closed(): boolean {
    return this.ended !== null;
  }

  write(data: string | Buffer): void {
    if (this.ended || !this.channel.writable) return;
    this.channel.write(data);
  }

  resize({ cols, rows }: ShellSize): void {
    if (this.ended || (cols === this.size.cols && rows === this.size.rows)) return;
    this.size = { cols, rows };
    // ssh2 takes rows first; the pixel sizes are unknown here and 0 says so.
    this.channel.setWindow(rows, cols, 0, 0);
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.dataListeners.add(listener);
    const early = this.early;
    this.early = [];
    for (const chunk of early) listener(chunk);
    return () => this.dataListeners.delete(listener);
  }

  onClose(listener: (end: ShellEnd) => void): () => void {
    if (this.ended) {
      listener(this.ended);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(reason = 'closed by routedeck'): void {
    if (this.ended) return;
    this.reason ??= reason;
    try {
      this.channel.close();
    } catch {
      // The connection is already gone.
    }
    // A dead connection never confirms the close: do not wait for it.
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = { code: this.code, reason: this.reason };
    for (const listener of [...this.closeListeners]) listener(this.ended);
    this.closeListeners.clear();
    this.dataListeners.clear();
  }
}

/** Opens a session channel with a pty and a shell on it; rejects when the server refuses either. */
export function openPtyShell(client: Client, request: ShellRequest): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.shell(
        {
          term: request.term ?? 'xterm-256color',
          cols: request.cols,
          rows: request.rows,
          width: 0,
          height: 0,
        },
        (err, channel) => (err ? reject(err) : resolve(channel)),
      );
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
