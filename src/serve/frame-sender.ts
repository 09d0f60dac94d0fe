/**
 * Frames to one viewer with backpressure: at most one frame is handed to the channel at a time;
 * while the channel has not taken it (the viewer's SSH window is full because it stopped reading),
 * newer frames replace each other and only the latest goes out when it drains. Frames are complete
 * screens, so the skipped ones are not needed. A viewer that takes nothing for `stallMs` is
 * reported once as stalled (the caller disconnects it).
 */
import type { Writable } from 'node:stream';

export interface SenderStats {
  /** Bytes held for this viewer: the frame the channel has not taken yet plus the waiting one. */
  queuedBytes: number;
  sent: number;
  /** Frames replaced by a newer one before they could be sent. */
  skipped: number;
}

export class FrameSender {
  readonly #channel: Writable;
  readonly #stallMs: number;
  readonly #onStall: () => void;
  #inFlight = false;
  #pending: string | null = null;
  #stall: NodeJS.Timeout | null = null;
  #closed = false;
  sent = 0;
  skipped = 0;

  constructor(channel: Writable, stallMs: number, onStall: () => void) {
    this.#channel = channel;
    this.#stallMs = stallMs;
    this.#onStall = onStall;
  }

  send(frame: string): void {
    if (this.#closed) return;
    if (this.#inFlight) {
      if (this.#pending !== null) this.skipped += 1;
      this.#pending = frame;
      return;
    }
    this.#write(frame);
  }

  stats(): SenderStats {
    return {
      queuedBytes:
        this.#channel.writableLength + (this.#pending === null ? 0 : Buffer.byteLength(this.#pending)),
      sent: this.sent,
      skipped: this.skipped,
    };
  }

  close(): void {
    this.#closed = true;
    this.#pending = null;
    if (this.#stall) clearTimeout(this.#stall);
    this.#stall = null;
  }

  #write(frame: string): void {
    this.#inFlight = true;
    this.sent += 1;
    const sent = this.sent;
    this.#stall = setTimeout(() => {
      this.#stall = null;
      // Timers run before pending I/O: after a blocked event loop, let the channel report first.
      setImmediate(() => {
        if (!this.#closed && this.#inFlight && this.sent === sent) this.#onStall();
      });
    }, this.#stallMs);
    // The callback runs once the channel has passed the frame on within the viewer's SSH window.
    this.#channel.write(frame, () => {
      if (this.#stall) clearTimeout(this.#stall);
      this.#stall = null;
      this.#inFlight = false;
      const next = this.#pending;
      this.#pending = null;
      if (next !== null && !this.#closed) this.#write(next);
    });
  }
}
