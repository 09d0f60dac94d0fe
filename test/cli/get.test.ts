import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { generateKey, SshTestServer } from '../helpers/ssh-test-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'routedeck-cli-'));
let listener: Server;
let port = 0;
let accepted = 0;

beforeAll(async () => {
  // A TCP listener that only counts: a rejected inventory must not make a single connection.
  listener = createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

function inventoryFile(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

describe('routedeck get: bad input exits 2 and contacts nothing', () => {
  it.each([
    [
      'a shell command as a device name',
      `{ name: "a; rm -rf /", role: router, kind: frr-linux, host: 127.0.0.1, port: PORT }`,
      'devices[1].name: must be',
    ],
    [
      'a newline in a host',
      `{ name: r2, role: router, kind: frr-linux, host: "127.0.0.1\\nx", port: PORT }`,
      'devices[1].host: must be a hostname or an IP address',
    ],
    [
      'a 16-character interface name',
      `{ name: r2, role: router, kind: frr-linux, host: 127.0.0.1, port: PORT, uplinks: [eth0123456789abc] }`,
      'devices[1].uplinks[0]: is longer than 15 characters',
    ],
  ])('%s', async (_label, device, message) => {
    const file = inventoryFile(
      'bad.yaml',
      `devices:\n  - { name: r1, role: router, kind: frr-linux, host: 127.0.0.1, port: ${port} }\n  - ${device.replace('PORT', String(port))}\n`,
    );
    const before = accepted;
    const result = await cli(['get', 'bgp', '--inventory', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(accepted).toBe(before);
  });

  it('rejects overlapping pools and an invalid CIDR in one report', async () => {
    const file = inventoryFile(
      'pools.yaml',
      `devices: [{ name: r1, role: router, kind: frr-linux, host: 127.0.0.1, port: ${port} }]
tenants:
  - { name: a, pools4: [10.0.0.0/8] }
  - { name: b, pools4: [10.1.0.0/16, 10.2.0.0/33] }
`,
    );
    const result = await cli(['get', 'workloads', '--inventory', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('tenants[1].pools4[1]: "10.2.0.0/33": an IPv4 prefix length is 0–32');
    expect(result.stderr).toContain('tenants[1].pools4[0]: 10.1.0.0/16 overlaps tenants[0].pools4[0]');
    expect(accepted).toBe(0);
  });

  it('rejects an unknown device, a bad prefix, an unknown view and a missing inventory', async () => {
    const file = inventoryFile(
      'ok.yaml',
      `devices: [{ name: r1, role: router, kind: frr-linux, host: 127.0.0.1, port: ${port} }]\n`,
    );
    expect((await cli(['get', 'bgp', '--inventory', file, '--device', 'r9'])).stderr).toContain(
      '--device "r9": no such device',
    );
    expect((await cli(['get', 'routes', '--inventory', file, '--prefix', '10.0.0.0/8; ls'])).code).toBe(2);
    expect((await cli(['get', 'tables', '--inventory', file])).stderr).toContain(
      'get needs one of: devices, bgp, routes, workloads',
    );
    expect((await cli(['get', 'bgp'])).stderr).toContain('no inventory');
    expect((await cli(['get', 'bgp', '--inventory', join(dir, 'nope.yaml')])).stderr).toContain(
      'cannot read: ENOENT',
    );
    expect(accepted).toBe(0);
  });
});

describe('routedeck get: SSH host keys are verified', () => {
  let server: SshTestServer;
  const client = generateKey();
  let keyFile: string;

  beforeAll(async () => {
    server = await SshTestServer.start({ authorizedKeys: [client.public] });
    keyFile = join(dir, 'id_test');
    writeFileSync(keyFile, client.private, { mode: 0o600 });
  });
  afterAll(() => server.stop());

  const inventory = (knownHosts: string) =>
    inventoryFile(
      'hk.yaml',
      `defaults: { user: noc, knownHosts: ${knownHosts}, auth: { type: key, path: ${keyFile} } }
devices: [{ name: hv1, role: hypervisor, kind: frr-linux, host: 127.0.0.1, port: ${server.port} }]
`,
    );

  it('refuses an unknown host key and shows its SHA256 fingerprint', async () => {
    writeFileSync(join(dir, 'kh-empty'), '');
    const result = await cli(['get', 'devices', '--json', '--inventory', inventory(join(dir, 'kh-empty'))]);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as { devices: { name: string; health: string; error: string }[] };
    expect(json.devices[0]).toMatchObject({ name: 'hv1', health: 'unreachable' });
    expect(json.devices[0]?.error).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect(server.commands).toEqual([]);
  });

  it('refuses a changed host key loudly', async () => {
    const other = generateKey();
    writeFileSync(
      join(dir, 'kh-changed'),
      `[127.0.0.1]:${server.port} ${other.public.split(' ').slice(0, 2).join(' ')}\n`,
    );
    const result = await cli(['get', 'devices', '--inventory', inventory(join(dir, 'kh-changed'))]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/CHANGED/i);
    expect(server.commands).toEqual([]);
  });
});

describe('routedeck lab sim: bad sizes are refused before anything starts', () => {
  it.each([
    [['--hosts', '0'], '--hosts "0": must be a whole number from 1 to 1000'],
    [['--hosts', '5x'], '--hosts "5x": must be a whole number from 1 to 1000'],
    [['--hosts', '1001'], '--hosts "1001": must be a whole number from 1 to 1000'],
    [['--workloads', '50001'], '--workloads "50001": must be a whole number from 0 to 50000'],
  ])('%j', async (args, message) => {
    const result = await cli(['lab', 'sim', ...args], { ROUTEDECK_LAB_DIR: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
