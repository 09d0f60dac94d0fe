import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, type Fabric } from '../../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../../src/lab/sim/lab.ts';
import { sendControl } from '../../../src/lab/sim/server/control.ts';
import { KEY, renderConsole, type Screen } from '../../components/harness.ts';
import { cli } from '../../helpers/cli.ts';

const RED = 1;

interface OverlayJson {
  wireguard: {
    device: string;
    name: string;
    endpoint: string;
    latestHandshakeAt: string;
    rxBytes: number;
    problem: string | null;
  }[];
  vnis: {
    device: string;
    vni: number;
    type: string;
    vrf: string;
    remoteVteps: string[];
    problem: string | null;
  }[];
  vrrp: {
    device: string;
    name: string;
    state: string;
    priority: number;
    addresses: string[];
    problem: string | null;
  }[];
  vxlan: { device: string; name: string; vni: number; port: number }[];
}

// The overlay end to end on the embedded lab: real SSH and HTTPS API to the simulated routers,
// the real driver, CLI and console; faults through the lab's control socket.
describe('overlay on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let screen: Screen;
  const get = async (...extra: string[]) => {
    const r = await cli(['get', 'overlay', '--inventory', lab.inventoryPath, ...extra]);
    return r;
  };
  const getJson = async () => JSON.parse((await get('--json')).stdout) as OverlayJson;
  const control = (cmd: Record<string, unknown>) => sendControl(lab.controlSocket, cmd);

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-overlay-'));
    lab = await startSimLab({ dir: path.join(parent, 'sim'), writeState: false });
    fabric = openFabric(
      loadInventoryFile(lab.inventoryPath),
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: 300, hypervisor: 300 } } },
    );
    fabric.poller.start();
    screen = renderConsole({ store: fabric.store, poller: fabric.poller, cols: 80, rows: 24 });
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('get overlay shows the tunnel, a VNI per tenant VRF with its VTEP, and one VRRP MASTER', async () => {
    const text = await get();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/spine1 +wg +wg0 spine2 +up +127\.0\.1\.2:51820 hs \d+s ago rx [\d.]+M/);
    expect(text.stdout).toMatch(/spine1 +vrrp +LAN eth0\/10 +MASTER +prio 200 198\.18\.0\.1\/24/);
    expect(text.stdout).toMatch(/spine2 +vrrp +LAN eth0\/10 +BACKUP +prio 100/);
    expect(text.stdout).not.toMatch(/PROBLEM/);
    const doc = await getJson();
    expect(doc.wireguard.map((p) => [p.device, p.name, p.problem])).toEqual([
      ['spine1', 'spine2', null],
      ['spine2', 'spine1', null],
    ]);
    expect(doc.vnis.filter((v) => v.device === 'spine1').map((v) => [v.type, v.vrf, v.remoteVteps])).toEqual(
      lab.fabric.tenants.flatMap((t) => (t.vrf ? [['L3', t.vrf, ['10.255.0.2']]] : [])),
    );
    expect(doc.vxlan.find((v) => v.device === 'spine1')).toMatchObject({ port: 4789 });
    // Counters grow between polls.
    await new Promise((r) => setTimeout(r, 1100));
    const later = await getJson();
    expect(later.wireguard[0]!.rxBytes).toBeGreaterThan(doc.wireguard[0]!.rxBytes);
    // --device narrows what is shown, but VRRP is still judged against spine1's MASTER.
    const only2 = await get('--device', 'spine2');
    expect(only2.stdout).not.toMatch(/^spine1/m);
    expect(only2.stdout).toMatch(/BACKUP/);
    expect(only2.stdout).not.toMatch(/no MASTER/);
  });

  it('bad fault input is refused and changes nothing', async () => {
    expect(await control({ cmd: 'overlay-fault', device: 'spine1', kind: 'meltdown' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/kind/),
    });
    expect(await control({ cmd: 'overlay-fault', device: 'hv1', kind: 'vtep-down' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not a router/),
    });
    expect(await control({ cmd: 'overlay-fault', device: 'nope', kind: 'vtep-down' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown device/),
    });
    const doc = await getJson();
    expect([...doc.wireguard, ...doc.vnis, ...doc.vrrp].filter((x) => x.problem !== null)).toEqual([]);
  });

  it(':overlay at 80×24 lists the overlay; each fault turns its rows red on top, clear brings them back', async () => {
    await screen.type(':', 'overlay', KEY.enter);
    await screen.waitForText(/spine1 +wg +wg0 spine2 +up/);
    await screen.waitForText(/spine2 +vrrp +LAN eth0\/10 +BACKUP/);
    const firstRow = () => screen.lines().find((l) => /^ *spine\d /.test(l)) ?? '';

    expect(await control({ cmd: 'overlay-fault', device: 'spine1', kind: 'wg-peer-down' })).toMatchObject({
      ok: true,
    });
    await screen.waitFor((s) => s.colorOf('down') === RED, 'the WireGuard peer to go red');
    expect(firstRow()).toMatch(/wg +wg0 .* down +no handshake for 2\d\d s/);
    expect((await getJson()).wireguard.every((p) => /no handshake for/.test(p.problem ?? ''))).toBe(true);
    expect((await get()).stdout).toMatch(/PROBLEM/);

    expect(await control({ cmd: 'overlay-fault', device: 'spine2', kind: 'vtep-down' })).toMatchObject({
      ok: true,
    });
    await screen.waitForText(/evpn +L3 \d+ +0 VTEPs +no remote VTEPs/);

    expect(await control({ cmd: 'overlay-fault', device: 'spine1', kind: 'vrrp-failover' })).toMatchObject({
      ok: true,
    });
    await screen.waitForText(/spine1 +vrrp +LAN eth0\/10 +FAULT +member FAULT/);
    const vrrp = (await getJson()).vrrp;
    expect(vrrp.map((g) => [g.device, g.state, g.problem])).toEqual([
      ['spine1', 'FAULT', 'member FAULT'],
      ['spine2', 'MASTER', null],
    ]);

    expect(await control({ cmd: 'clear' })).toMatchObject({ ok: true });
    await screen.waitFor(
      (s) => s.colorOf('FAULT') === undefined && !/down|0 VTEPs/.test(s.text()),
      'the overlay to recover',
      60_000,
    );
    // The POLL column (the row's age) sits between the state and the detail.
    await screen.waitForText(/spine1 +wg +wg0 spine2 +up +\d+s +127\.0\.1\.2:51820 hs \d+s ago/);

    expect(await control({ cmd: 'overlay-fault', device: 'spine2', kind: 'vrrp-split-brain' })).toMatchObject(
      { ok: true },
    );
    await screen.waitForText(/2 MASTERs \(split brain\)/);
    expect(await control({ cmd: 'overlay-fault', device: 'spine2', kind: 'clear' })).toMatchObject({
      ok: true,
    });
    await screen.waitFor((s) => !/split brain/.test(s.text()), 'split brain to end');
    expect(screen.text()).toMatch(/spine1 +vrrp +LAN eth0\/10 +MASTER/);
  }, 180_000);
});
