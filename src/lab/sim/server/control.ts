/**
 * The lab's control socket: a unix socket speaking JSON lines, one command a line, one reply
 * a line (`{"ok":true,…}` or `{"ok":false,"error":"…"}`), so a trainer can break things from a
 * second terminal or a script (`echo '{"cmd":"status"}' | nc -U control.sock`).
 */
import { createHash } from 'node:crypto';
import { chmod, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { SimEvent } from '../types.ts';
import { OVERLAY_FAULTS } from '../model/overlay.ts';
import { MAX_FAULT_MS, type DeviceFaultStatus, type SimFaults } from './faults.ts';

const device = z.string().min(1).max(63);
const ms = z.number().int().min(0).max(MAX_FAULT_MS);

const COMMANDS = [
  'status',
  'events',
  'drop-ssh',
  'api-fault',
  'slow',
  'flap',
  'spoof',
  'guard-drift',
  'overlay-fault',
  'reboot',
  'clear',
] as const;

export const controlCommand = z.discriminatedUnion(
  'cmd',
  [
    z.strictObject({ cmd: z.literal('status') }),
    z.strictObject({ cmd: z.literal('events'), limit: z.number().int().min(1).max(1000).optional() }),
    z.strictObject({ cmd: z.literal('drop-ssh'), device, forMs: ms }),
    z.strictObject({
      cmd: z.literal('api-fault'),
      device,
      status: z.union([z.literal(500), z.literal(503), z.null()]),
      delayMs: ms.optional(),
    }),
    z.strictObject({ cmd: z.literal('slow'), device, ms }),
    z.strictObject({
      cmd: z.literal('flap'),
      device,
      peer: z.string().min(1).max(64),
      downMs: ms.optional(),
    }),
    z.strictObject({
      cmd: z.literal('spoof'),
      device,
      tap: z.string().min(1).max(15),
      packets: z.number().int().min(1).max(1_000_000).optional(),
    }),
    z.strictObject({
      cmd: z.literal('guard-drift'),
      device,
      op: z.enum(['add', 'delete']),
      set: z.enum(['allow4', 'allow6']),
      tap: z.string().min(1).max(15),
      cidr: z.string().min(1).max(64),
    }),
    z.strictObject({
      cmd: z.literal('overlay-fault'),
      device,
      kind: z.enum([...OVERLAY_FAULTS, 'clear']),
      agoMs: ms.optional(),
    }),
    z.strictObject({ cmd: z.literal('reboot'), device }),
    z.strictObject({ cmd: z.literal('clear'), device: device.optional() }),
  ],
  { error: `cmd must be one of ${COMMANDS.join(', ')}` },
);

export type ControlCommand = z.infer<typeof controlCommand>;
export type ControlReply = ({ ok: true } & Record<string, unknown>) | { ok: false; error: string };

export interface ControlContext {
  faults: SimFaults;
  events(limit: number): SimEvent[];
  status(): { devices: Record<string, unknown>[] } & Record<string, unknown>;
}

/** Longest unix socket path Linux accepts is 107 bytes; leave room. */
const MAX_SOCKET_PATH = 100;

/** `dir/control.sock`, or a short path in the temp dir when `dir` is too deep for a unix socket. */
export function controlSocketPath(preferred: string): string {
  if (Buffer.byteLength(preferred) <= MAX_SOCKET_PATH) return preferred;
  const id = createHash('sha256').update(preferred).digest('hex').slice(0, 16);
  return path.join(tmpdir(), `routedeck-sim-${id}.sock`);
}

/** Validates and runs one command; every problem becomes an `{ok:false}` reply, never a throw. */
export function handleControl(line: string, ctx: ControlContext): ControlReply {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON: send one JSON object a line, e.g. {"cmd":"status"}' };
  }
  const parsed = controlCommand.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: `${where}${issue?.message ?? 'invalid command'}` };
  }
  const c = parsed.data;
  try {
    switch (c.cmd) {
      case 'status':
        return { ok: true, ...ctx.status() };
      case 'events':
        return { ok: true, events: ctx.events(c.limit ?? 100) };
      case 'drop-ssh':
        ctx.faults.dropSsh(c.device, c.forMs);
        break;
      case 'api-fault':
        ctx.faults.setApiFault(c.device, { status: c.status, ...(c.delayMs ? { delayMs: c.delayMs } : {}) });
        break;
      case 'slow':
        ctx.faults.setSlow(c.device, c.ms);
        break;
      case 'flap':
        ctx.faults.flap(c.device, c.peer, c.downMs);
        break;
      case 'spoof':
        ctx.faults.spoof(c.device, c.tap, c.packets ?? 1);
        break;
      case 'guard-drift':
        ctx.faults.guardDrift(c.device, c.op, c.set, c.tap, c.cidr);
        break;
      case 'overlay-fault':
        ctx.faults.overlayFault(c.device, c.kind, c.agoMs);
        break;
      case 'reboot':
        ctx.faults.reboot(c.device);
        break;
      case 'clear':
        ctx.faults.clear(c.device);
        break;
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const MAX_LINE = 64 * 1024;

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

export async function startControlServer(socketPath: string, ctx: ControlContext): Promise<ControlServer> {
  // A socket file left by a lab that died; lab.ts has already checked no live lab owns it.
  await rm(socketPath, { force: true });
  const clients = new Set<Socket>();
  const server: Server = createServer((socket) => {
    clients.add(socket);
    socket.once('close', () => clients.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) socket.write(`${JSON.stringify(handleControl(line, ctx))}\n`);
      }
      if (buffer.length > MAX_LINE) {
        socket.end(`${JSON.stringify({ ok: false, error: `line longer than ${MAX_LINE} bytes` })}\n`);
        buffer = '';
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600); // faults are for the lab's owner only
  return {
    path: socketPath,
    async close() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}

/** Sends one command to a lab's control socket and returns its reply. */
export function sendControl(
  socketPath: string,
  command: ControlCommand | Record<string, unknown>,
  timeoutMs = 5000,
): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffer = '';
    const timer = setTimeout(
      () => fail(new Error(`no reply from ${socketPath} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(command)}\n`));
    socket.on('error', (error) => fail(new Error(`lab control socket ${socketPath}: ${error.message}`)));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.end();
      try {
        resolve(JSON.parse(buffer.slice(0, newline)) as ControlReply);
      } catch {
        reject(new Error(`lab control socket ${socketPath}: reply is not JSON`));
      }
    });
    socket.on('close', () => fail(new Error(`lab control socket ${socketPath}: closed without a reply`)));
  });
}

export type { DeviceFaultStatus };
