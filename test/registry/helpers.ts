import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../../src/model/plan.ts';

export function tempDir(): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'routedeck-registry-'));
  return {
    dir,
    file: join(dir, 'registry.sqlite'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const tenantA = { name: 'acme', vrf: 'acme', pools4: ['10.0.0.0/24'], pools6: ['2001:db8:a::/48'] };
export const tenantB = {
  name: 'globex',
  vrf: 'globex',
  pools4: ['10.0.0.0/24'],
  pools6: ['2001:db8:b::/48'],
};

export function samplePlan(id: string, workload = 'web-1'): Plan {
  return {
    id,
    kind: 'create',
    createdAt: '2025-01-01T00:00:00.000Z',
    operator: 'alice',
    workload,
    tenant: 'acme',
    summary: `create ${workload}`,
    steps: [
      {
        id: 's1',
        device: 'hv1',
        description: 'route to TAP',
        action: { type: 'ssh', commands: ['ip route replace 10.0.0.5/32 dev tap-web-1'] },
        rollback: { type: 'ssh', commands: ['ip route del 10.0.0.5/32 dev tap-web-1'] },
        verify: [
          {
            prefix: '10.0.0.5/32',
            vrf: 'acme',
            expect: 'announced-by',
            host: 'hv1',
            routers: ['r1'],
            timeoutMs: 5000,
          },
        ],
        timeoutMs: 10000,
      },
      {
        id: 's2',
        device: 'r1',
        description: 'prefix-list',
        action: { type: 'vyos-configure', commands: [{ op: 'set', path: ['policy', 'x'], value: 'y' }] },
        rollback: null,
        verify: [],
        timeoutMs: 10000,
      },
    ],
    diffs: [{ device: 'hv1', before: [], after: ['ip route 10.0.0.5/32 dev tap-web-1'] }],
    routeChanges: [
      { router: 'r1', vrf: 'acme', family: 4, prefix: '10.0.0.5/32', change: 'appears', toHost: 'hv1' },
    ],
    artifacts: { 'meta-data': 'instance-id: web-1\n' },
  };
}

const CHILD = fileURLToPath(new URL('./fixtures/child.ts', import.meta.url));

/** A second console: another process on the same registry file, driven by fixtures/child.ts. */
export function spawnChild(args: string[]): { child: ChildProcess; line: (text: string) => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.split('\n').includes(text)) resolve();
      };
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        check();
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before "${text}": ${err}`)));
      check();
    });
  return { child, line };
}

export function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
