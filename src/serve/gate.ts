/**
 * Admission for `routedeck serve`'s TCP connections, before any SSH work is done for them: caps on
 * connections still authenticating and on all connections, per source address and overall, and an
 * authentication deadline. A refused connection gets one line of text and is closed; the driver
 * gets one notice.
 */
import type { Socket } from 'node:net';
import { clientText, type ServeLimits } from './limits.ts';

export interface GateStats {
  /** Connections accepted and not yet authenticated. */
  pending: number;
  /** All open connections. */
  connections: number;
  refused: number;
  timedOut: number;
}

export interface Ticket {
  /** The client's address as safe text. */
  source: string;
  authenticated(): void;
}

type Limits = Pick<
  ServeLimits,
  'authTimeoutMs' | 'maxPendingPerSource' | 'maxPending' | 'maxConnectionsPerSource' | 'maxConnections'
>;

export class ConnectionGate {
  readonly #limits: Limits;
  readonly #notice: (key: string, message: string) => void;
  readonly #pending = new Map<string, number>();
  readonly #open = new Map<string, number>();
  #refused = 0;
  #timedOut = 0;

  constructor(limits: Limits, notice: (key: string, message: string) => void) {
    this.#limits = limits;
    this.#notice = notice;
  }

  stats(): GateStats {
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    return {
      pending: sum(this.#pending),
      connections: sum(this.#open),
      refused: this.#refused,
      timedOut: this.#timedOut,
    };
  }

  /** A ticket for an admitted socket, or null once a refused one has been told why and closed. */
  admit(socket: Socket): Ticket | null {
    const address = socket.remoteAddress ?? '?';
    const source = clientText(address);
    const l = this.#limits;
    const { pending, connections } = this.stats();
    const reason =
      (this.#pending.get(address) ?? 0) >= l.maxPendingPerSource
        ? `${l.maxPendingPerSource} connections from ${source} are already authenticating`
        : pending >= l.maxPending
          ? `${l.maxPending} connections are already authenticating`
          : (this.#open.get(address) ?? 0) >= l.maxConnectionsPerSource
            ? `${l.maxConnectionsPerSource} connections from ${source} are already open`
            : connections >= l.maxConnections
              ? `${l.maxConnections} connections are already open`
              : null;
    socket.on('error', () => {});
    if (reason) {
      this.#refused += 1;
      // Before the SSH version line a server may send text lines (RFC 4253 4.2); then close.
      socket.end(`routedeck serve: refused, ${reason}; try later\r\n`);
      socket.setTimeout(1000, () => socket.destroy());
      this.#notice(`refused|${address}`, `refused a connection from ${source}: ${reason}`);
      return null;
    }
    const bump = (m: Map<string, number>, by: number) => {
      const n = (m.get(address) ?? 0) + by;
      if (n > 0) m.set(address, n);
      else m.delete(address);
    };
    bump(this.#pending, 1);
    bump(this.#open, 1);
    let waiting = true;
    const settle = () => {
      if (!waiting) return;
      waiting = false;
      clearTimeout(timer);
      bump(this.#pending, -1);
    };
    const timer = setTimeout(() => {
      settle();
      this.#timedOut += 1;
      this.#notice(
        `timeout|${address}`,
        `closed a connection from ${source}: not authenticated within ${formatSeconds(l.authTimeoutMs)}`,
      );
      socket.destroy();
    }, l.authTimeoutMs);
    socket.once('close', () => {
      settle();
      bump(this.#open, -1);
    });
    return { source, authenticated: settle };
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
