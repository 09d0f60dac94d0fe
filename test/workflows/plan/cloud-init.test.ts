import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planCreate } from '../../../src/workflows/plan/index.ts';
import { acme, hypervisor, meta, nobody, ROUTERS, workload } from './fixtures.ts';

const hasCloudInit = spawnSync('cloud-init', ['--version'], { stdio: 'ignore' }).status === 0;
const requireLab = process.env.ROUTEDECK_REQUIRE_LAB === '1';

const artifacts = planCreate(
  {
    tenant: acme,
    workload: workload(),
    host: hypervisor('hv1'),
    routers: ROUTERS,
    live: nobody,
    mac: '52:54:00:12:34:56',
    dnsServers: ['192.0.2.53'],
  },
  meta,
).artifacts;

describe('cloud-init artifacts', () => {
  it('network-config v1 has the reference shape: /32 via 169.254.0.1, /64 via fe80::1, the MAC', () => {
    const reference = parse(
      readFileSync(new URL('../../../fixtures/reference/network-config-v1.yaml', import.meta.url), 'utf8'),
    ) as unknown;
    expect(parse(artifacts['network-config'] ?? '')).toEqual(reference);
  });

  it('meta-data and user-data', () => {
    expect(parse(artifacts['meta-data'] ?? '')).toEqual({
      'instance-id': 'iid-web1',
      'local-hostname': 'web1',
    });
    expect(artifacts['user-data']?.startsWith('#cloud-config\n')).toBe(true);
  });

  // Debian 12 ships cloud-init 22.4, whose `schema` has no `--schema-type network-config` (23.x
  // added it); there the real v1 parser and renderer (`devel net-convert`) are the validator.
  it.skipIf(!hasCloudInit && !requireLab)('network-config passes cloud-init’s own validator', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routedeck-ci-'));
    try {
      const file = join(dir, 'network-config');
      writeFileSync(file, artifacts['network-config'] ?? '');
      const help = spawnSync('cloud-init', ['schema', '--help'], { encoding: 'utf8' }).stdout;
      if (help.includes('--schema-type')) {
        const out = spawnSync('cloud-init', ['schema', '--schema-type', 'network-config', '-c', file], {
          encoding: 'utf8',
        });
        expect(out.stdout + out.stderr).toMatch(/Valid schema/);
        expect(out.status).toBe(0);
      }
      const outDir = join(dir, 'out');
      execFileSync(
        'cloud-init',
        ['devel', 'net-convert', '-p', file, '-k', 'yaml', '-D', 'debian', '-O', 'networkd', '-d', outDir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const unit = readFileSync(join(outDir, 'etc/systemd/network/10-cloud-init-eth0.network'), 'utf8');
      expect(unit).toContain('MACAddress=52:54:00:12:34:56');
      expect(unit).toContain('Address=203.0.113.10/32');
      expect(unit).toContain('Address=2001:db8:10:20::1/64');
      expect(unit).toContain('Gateway=169.254.0.1');
      expect(unit).toContain('Gateway=fe80::1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
