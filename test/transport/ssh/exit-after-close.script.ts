/**
 * Run by reconnect.test.ts in a child process: uses a connection (including a command cut off
 * by a timeout and one left running), closes it, and then simply returns. The server does not
 * drop anything itself; it waits for the client to hang up. If the transport left a socket or a
 * timer behind, this process would never exit.
 */
import { rm } from 'node:fs/promises';
import { TransportTimeoutError } from '../../../src/transport/ssh/errors.ts';
import { startLab } from './fixture.ts';

const lab = await startLab();
const conn = lab.connect({ keepaliveIntervalMs: 1000 });
console.log((await conn.exec('echo hello')).stdout.trim());
const timedOut = await conn.exec('sleep 5000', { timeoutMs: 50 }).catch((e: unknown) => e);
console.log('timeout:', timedOut instanceof TransportTimeoutError);
const left = conn.exec('sleep 60000').catch(() => 'rejected');
await conn.close();
console.log('in flight:', await left);
await lab.server.stop({ dropConnections: false });
await rm(lab.dir, { recursive: true });
console.log('closed:', conn.state);
