import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSafeText } from '../../src/model/text.ts';
import { cli } from '../helpers/cli.ts';
import { HOSTILE, HOSTILE_DEVICE, SHOWN, startHostileLab, type HostileLab } from './hostile-text-device.ts';

/** Every byte a terminal would act on: C0 but the newline, DEL, C1 and the bidi controls. */
function unsafeLines(output: string): string[] {
  return output.split('\n').filter((line) => !isSafeText(line));
}

// `routedeck get` against a fabric whose hv1 reports escape sequences over real SSH: the text
// output shows them as visible escapes, so the terminal's title, screen and colours stay ours.
describe('routedeck get: device text is shown, never executed', () => {
  let parent = '';
  let hostile: HostileLab;
  let inventory = '';
  const get = (...args: string[]) => cli(['get', ...args, '--inventory', inventory]);

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-hostile-'));
    hostile = await startHostileLab(path.join(parent, 'sim'));
    inventory = hostile.lab.inventoryPath;
  }, 180_000);

  afterAll(async () => {
    await hostile?.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('get bgp: the peer-chosen hostname and the VRF name appear escaped, and the columns still line up', async () => {
    const { stdout } = await get('bgp', '--device', HOSTILE_DEVICE);
    expect(unsafeLines(stdout)).toEqual([]);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    const row = rows.find((line) => line.includes(SHOWN.vrf) && line.includes(SHOWN.hostname));
    expect(row).toBeDefined();
    // Widths were measured on the escaped text: STATE starts under its header on every row.
    const state = header!.indexOf('STATE');
    for (const line of rows.filter((l) => l.startsWith(HOSTILE_DEVICE)))
      expect(line.slice(state)).toMatch(/^(Established|Active|Idle|Connect|OpenSent|OpenConfirm)/);
  });

  it('get routes: the VRF and TAP names appear escaped; the `%` error line names the device', async () => {
    const { stdout, code } = await get('routes', '--device', HOSTILE_DEVICE);
    expect(code).toBe(1); // hv1 is degraded: its IPv6 table failed
    expect(unsafeLines(stdout)).toEqual([]);
    // The workload's own /32, directly on its TAP: both names escaped on one row.
    expect(stdout).toMatch(
      new RegExp(
        `^${HOSTILE_DEVICE} +${escapeRe(SHOWN.vrf)} +10\\.0\\.0\\.10/32 +kernel +\\* +${escapeRe(SHOWN.tap)} `,
        'm',
      ),
    );
    expect(stdout).toContain(`! ${HOSTILE_DEVICE} degraded: `);
    expect(stdout).toContain(SHOWN.error);
  });

  it('get devices: the `%` error text in the ERROR column is escaped', async () => {
    const { stdout } = await get('devices');
    expect(unsafeLines(stdout)).toEqual([]);
    const row = stdout.split('\n').find((line) => line.startsWith(`${HOSTILE_DEVICE} `));
    expect(row).toMatch(/ degraded /);
    expect(row).toContain(SHOWN.error);
  });

  it('get workloads: the TAP name in HOST is escaped', async () => {
    const { stdout } = await get('workloads');
    expect(unsafeLines(stdout)).toEqual([]);
    expect(stdout).toContain(`${HOSTILE_DEVICE}/${SHOWN.tap}`);
  });

  it('--json keeps the exact device text and writes every control (C0, C1, bidi) as a \\u escape', async () => {
    const { stdout } = await get('bgp', '--device', HOSTILE_DEVICE, '--json');
    // No ESC, BEL, 8-bit CSI or right-to-left override reaches the terminal, only \u001b, \u009b…
    expect(unsafeLines(stdout)).toEqual([]);
    expect(stdout).toContain('\\u009b31m');
    const parsed = JSON.parse(stdout) as { sessions: { hostname?: string; vrf: string }[] };
    expect(parsed.sessions.map((s) => s.hostname)).toContain(HOSTILE.hostname);
    expect(parsed.sessions.map((s) => s.vrf)).toContain(HOSTILE.vrf);
  });
});

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
