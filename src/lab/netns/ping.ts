/**
 * A fast ping (`ping -D -n -i 0.005`: intervals this short need root) inside a lab namespace, stopped
 * on demand, and the figures a migration is judged by: packets lost and the largest gap between replies.
 */
import { spawn } from 'node:child_process';
import { BIN } from './exec.ts';

export interface PingStats {
  /** From ping's summary. */
  transmitted: number;
  received: number;
  /**
   * Sequence numbers never answered, up to the last one answered: the loss during the run. (The
   * summary's transmitted − received also counts the request in flight when ping was stopped.)
   */
  lost: number;
  /** Largest time between two consecutive replies (ms); 0 with fewer than two. */
  maxGapMs: number;
  /** When the largest gap began (epoch ms, from ping -D). */
  maxGapAt: number | null;
  firstReplyAt: number | null;
  lastReplyAt: number | null;
}

// [1700000000.123456] 64 bytes from 198.51.100.1: icmp_seq=12 ttl=62 time=0.101 ms
const REPLY = /^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+)/;
const SUMMARY = /(\d+) packets transmitted, (\d+) (?:packets )?received/;

/** Parses the output of `ping -D -n`. Sequence numbers are 16 bits; a run longer than 65,535 packets is unwrapped. */
export function parsePing(output: string): PingStats {
  const seen = new Set<number>();
  let previous: number | null = null;
  let wraps = 0;
  let lastSeqRaw = -1;
  let maxGapMs = 0;
  let maxGapAt: number | null = null;
  let first: number | null = null;
  for (const line of output.split('\n')) {
    const m = REPLY.exec(line);
    if (!m) continue;
    const at = Number(m[1]) * 1000;
    const raw = Number(m[2]);
    if (lastSeqRaw >= 0 && raw < lastSeqRaw - 32768) wraps += 1;
    lastSeqRaw = raw;
    seen.add(raw + wraps * 65536);
    first ??= at;
    if (previous !== null && at - previous > maxGapMs) {
      maxGapMs = at - previous;
      maxGapAt = previous;
    }
    previous = at;
  }
  const summary = SUMMARY.exec(output);
  const seqs = [...seen];
  const firstSeq = seqs.length > 0 ? Math.min(...seqs) : 0;
  const lastSeq = seqs.length > 0 ? Math.max(...seqs) : -1;
  // iputils numbers from 1; an unanswered start counts as lost too.
  const lost = seqs.length > 0 ? lastSeq - Math.min(firstSeq, 1) + 1 - seen.size : 0;
  return {
    transmitted: summary ? Number(summary[1]) : 0,
    received: summary ? Number(summary[2]) : seen.size,
    lost,
    maxGapMs,
    maxGapAt,
    firstReplyAt: first,
    lastReplyAt: previous,
  };
}

export interface RunningPing {
  /** Stops ping (SIGINT, so it prints its summary) and returns its figures. */
  stop(): Promise<PingStats & { output: string }>;
}

/**
 * Starts `ping` in a namespace. `ip netns exec` execs ping in place, so the signal reaches ping.
 * It stops by itself after `maxSeconds` worth of packets (-c): not -w, because with a deadline
 * iputils ping exits at the first ICMP error, such as the "net unreachable" of a break-before-make.
 */
export function startPing(
  namespace: string,
  target: string,
  opts: { intervalMs?: number; maxSeconds?: number } = {},
): RunningPing {
  const intervalMs = opts.intervalMs ?? 5;
  const count = Math.ceil(((opts.maxSeconds ?? 120) * 1000) / intervalMs);
  const child = spawn(
    BIN.ip,
    [
      'netns',
      'exec',
      namespace,
      'ping',
      '-D',
      '-n',
      '-i',
      (intervalMs / 1000).toFixed(3),
      '-c',
      String(count),
      target,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
      const stats = parsePing(out);
      if (stats.transmitted === 0 && stats.received === 0)
        throw new Error(`ping ${target} in ${namespace} produced no figures: ${err.trim() || out.trim()}`);
      return { ...stats, output: out };
    },
  };
}
