/**
 * A shared walkthrough on the embedded lab: the driver migrates a workload in the console while a
 * colleague watches over real SSH. The viewer sees the timeline, joins late and still gets the
 * screen at once, and nothing it types reaches the driver's console.
 */
import '../components/tty-env.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import xterm from '@xterm/headless';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { parseAuthorizedKeys } from '../../src/serve/authorized-keys.ts';
import { ScreenMirror } from '../../src/serve/mirror.ts';
import { startShareServer, type ShareServer } from '../../src/serve/server.ts';
import { generateEd25519 } from '../../src/transport/ssh/keys.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';
import { KEY, renderConsole, type Screen } from '../components/harness.ts';

const { Terminal } = xterm;
const viewerKey = generateEd25519();

function watch(port: number, cols: number, rows: number) {
  return new Promise<{ text(): string; firstFrame(): string; stream: ssh2.ClientChannel; close(): void }>(
    (resolve, reject) => {
      const client = new ssh2.Client();
      const term = new Terminal({ cols, rows, allowProposedApi: true });
      client.on('error', reject);
      client.on('ready', () =>
        client.shell({ term: 'xterm-256color', cols, rows }, (error, stream) => {
          if (error) return reject(error);
          // Everything up to the end of the first synchronized-output block: the first frame.
          let first = '';
          stream.on('data', (d: Buffer) => {
            if (!first.includes('\u001b[?2026l')) first += d.toString('utf8');
            term.write(d);
          });
          const text = () => {
            const b = term.buffer.active;
            return Array.from(
              { length: term.rows },
              (_, y) => b.getLine(b.viewportY + y)?.translateToString(true) ?? '',
            ).join('\n');
          };
          resolve({ text, firstFrame: () => first, stream, close: () => client.end() });
        }),
      );
      client.connect({
        host: '127.0.0.1',
        port,
        username: 'bob',
        privateKey: viewerKey.private,
        hostVerifier: () => true,
      });
    },
  );
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

describe('a shared walkthrough on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;
  let server: ShareServer;
  const mirror = new ScreenMirror(100, 30);

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-share-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      writeState: false,
      fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
    });
    const inventory = loadInventoryFile(lab.inventoryPath);
    fabric = openFabric(
      inventory,
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      {
        poller: { intervalMs: { router: 300, hypervisor: 300 } },
      },
    );
    await fabric.poller.pollNow();
    fabric.poller.start();
    workflows = await openWorkflows(inventory, fabric, {
      registryPath: path.join(parent, 'registry.sqlite'),
      operator: 'carol',
    });
    workflows.service.adoptLive();
    screen = renderConsole({
      store: fabric.store,
      poller: fabric.poller,
      workflows: workflows.service,
      cols: 100,
      rows: 30,
      onWrite: (data) => mirror.write(data),
    });
    server = await startShareServer({
      host: '127.0.0.1',
      port: 0,
      hostKey: generateEd25519().private,
      authorized: parseAuthorizedKeys(`${viewerKey.public} bob@laptop\n`, 'test'),
      mirror,
      driver: 'carol on jump1',
      onViewersChange: (v) =>
        fabric.store.getState().setWatchers(
          v.map((x) => ({ user: x.user, from: x.from, key: x.key })),
          Date.now(),
        ),
    });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await screen?.close();
    workflows?.close();
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('a viewer joining mid-migration sees the timeline in its first frame; its keys change nothing; the driver sees it watching', async () => {
    await screen.waitForText(/ok 6/);
    await screen.type(':', 'workloads', KEY.enter);
    await screen.waitForText(/acme-1 +acme +default/);
    const w = workflows.service.registry.workload('acme-1')!;
    // Select acme-1 with the filter, then migrate it to another host.
    await screen.type('/', 'acme-1', KEY.enter);
    const target = ['hv1', 'hv2', 'hv3', 'hv4'].find((h) => h !== w.host)!;
    await screen.type('m');
    await screen.waitForText('Migrate acme-1');
    await screen.type(target, KEY.enter);
    await screen.waitForText('[make-before-break]');
    await screen.type(KEY.enter);
    await screen.waitForText('Type acme-1 to apply');
    const plans = workflows.service.registry.plans().length;
    await screen.type('acme-1', KEY.enter);
    await screen.waitForText(/target-tap/);

    const viewer = await watch(server.port, 120, 40);
    await until('the viewer sees the timeline', () => /target-tap/.test(viewer.text()), 60_000);
    // At once: the very first frame it received already held the timeline.
    expect(viewer.firstFrame()).toContain('target-tap');
    await screen.waitForText('watched by 1: bob');

    const driverBefore = screen
      .text()
      .split('\n')
      .slice(1)
      .join('\n')
      .replace(/\d+ ms|\+\d+|\d+\.\d+s|\d\d:\d\d:\d\d/g, '');
    viewer.stream.write('\u001b');
    viewer.stream.write('c');
    viewer.stream.write('d');
    viewer.stream.write(':plan\r');
    // No compute hook in the lab: the driver (not a viewer) says the VM is moved.
    await screen.waitForText('move the VM yourself');
    await screen.type('c');
    await screen.waitForText('Status: APPLIED');
    // The driver is still on the timeline (Esc or : from the viewer would have left it), no new plan.
    expect(screen.text()).toContain('Status: APPLIED');
    expect(driverBefore).toMatch(/target-tap/);
    expect(workflows.service.registry.plans().length).toBe(plans);
    // The viewer saw the same ending, with each router's switch time.
    await until('the viewer sees the end', () => viewer.text().includes('Status: APPLIED'));
    expect(viewer.text()).toMatch(new RegExp(`spine\\d → ${target} at \\+[\\d.]+ m?s`));
    expect(viewer.text()).toContain('read-only · watching carol on jump1');
    viewer.close();
    await screen.waitFor((s) => !s.text().includes('watched by'), 'the driver to see the viewer leave');
  }, 180_000);
});
