/**
 * Clients for the hostile-client tests of `routedeck serve`: a real ssh2 viewer (any username,
 * any pty size, its own headless terminal), and raw TCP connections that never speak SSH.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import xterm from '@xterm/headless';
import ssh2 from 'ssh2';
import { generateEd25519 } from '../../src/transport/ssh/keys.ts';

const { Terminal } = xterm;

export const hostKey = generateEd25519();
export const alice = generateEd25519();
export const mallory = generateEd25519();

export interface Viewer {
  client: ssh2.Client;
  stream: ssh2.ClientChannel;
  text(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  closed: Promise<void>;
  close(): void;
}

export interface ViewerOptions {
  username?: string;
  key?: string;
  /** The pty size asked for. */
  cols?: number;
  rows?: number;
  /** The local terminal (defaults to the pty size, at most 500×200). */
  termCols?: number;
  termRows?: number;
}

export function viewer(port: number, o: ViewerOptions = {}): Promise<Viewer> {
  const cols = o.cols ?? 80;
  const rows = o.rows ?? 24;
  const term = new Terminal({
    cols: o.termCols ?? Math.min(cols, 500),
    rows: o.termRows ?? Math.min(rows, 200),
    allowProposedApi: true,
  });
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', reject);
    const closed = new Promise<void>((r) => client.on('close', () => r()));
    client.on('ready', () => {
      client.shell({ term: 'xterm-256color', cols, rows }, (error, stream) => {
        if (error) return reject(error);
        stream.on('data', (d: Buffer) => term.write(d));
        const text = () => {
          const b = term.buffer.active;
          return Array.from(
            { length: term.rows },
            (_, y) => b.getLine(b.viewportY + y)?.translateToString(true) ?? '',
          ).join('\n');
        };
        resolve({
          client,
          stream,
          text,
          waitFor: async (re, timeoutMs = 60_000) => {
            const start = Date.now();
            for (;;) {
              await new Promise<void>((r) => term.write('', r));
              if (re.test(text())) return;
              if (Date.now() - start > timeoutMs) throw new Error(`viewer never showed ${re}:\n${text()}`);
              await new Promise((r) => setTimeout(r, 10));
            }
          },
          closed,
          close: () => client.end(),
        });
      });
    });
    client.connect({
      host: '127.0.0.1',
      port,
      username: o.username ?? 'bob',
      privateKey: o.key ?? alice.private,
      hostVerifier: () => true,
      readyTimeout: 60_000,
    });
  });
}

/** A TCP connection to the server from a chosen loopback source address; it never authenticates. */
export interface RawClient {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  closed: Promise<void>;
}

export function raw(port: number, localAddress = '127.0.0.1'): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = tcpConnect({ host: '127.0.0.1', port, localAddress });
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}
