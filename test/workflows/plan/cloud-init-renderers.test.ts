/**
 * Issue 17: the network-config `plan create` emits, rendered by the installed cloud-init for each of
 * its renderers and read back as the guest would: the NIC matched by MAC, both addresses, and each
 * default route via a link-local gateway that the renderer's network stack can install (on-link).
 * Where an old cloud-init renders no on-link flag, the test says so by version (see
 * fixtures/cloud-init/PROVENANCE.md); it fails when a rendering changes either way.
 */
import { describe, expect, it } from 'vitest';
import { planCreate } from '../../../src/workflows/plan/index.ts';
import { acme, hypervisor, meta, nobody, ROUTERS, workload } from './fixtures.ts';
import { atLeast, cloudInitVersion, render, RENDERERS, verdict, type Renderer } from './cloud-init-render.ts';

const MAC = '52:54:00:12:34:56';
const version = cloudInitVersion();
const requireIt = process.env['ROUTEDECK_REQUIRE_LAB'] === '1';

const networkConfig =
  planCreate(
    {
      tenant: acme,
      workload: workload(),
      host: hypervisor('hv1'),
      routers: ROUTERS,
      live: nobody,
      mac: MAC,
      dnsServers: ['192.0.2.53'],
      mtu: 1450,
    },
    meta,
  ).artifacts['network-config'] ?? '';

/** Whether the IPv4 default route comes up on-link, per renderer, for the installed cloud-init. */
function v4OnLinkExpected(renderer: Renderer, v: [number, number]): boolean | 'unknown' {
  switch (renderer) {
    case 'eni':
    case 'network-manager':
      return true;
    case 'netplan':
      return atLeast(v, 23, 1); // canonical/cloud-init#1931 (LP #2000596), released in 23.1
    case 'networkd':
      return atLeast(v, 24, 2); // canonical/cloud-init#4996 (GH-4995), merged 2024-03-22
    case 'sysconfig':
      // 22.x writes NM_CONTROLLED=no (legacy network-scripts, which skip an off-subnet GATEWAY).
      return v[0] <= 22 ? false : 'unknown';
  }
}

if (!version && requireIt) {
  describe('cloud-init renderers', () => {
    it('cloud-init is installed (ROUTEDECK_REQUIRE_LAB=1; .ci/run installs it)', () =>
      expect.fail('cloud-init is not installed: apt-get install --no-install-recommends cloud-init'));
  });
}

describe.skipIf(!version)(
  `the network-config on every cloud-init renderer (${version ? `cloud-init ${version.join('.')}` : 'SKIPPED: cloud-init is not installed here; apt-get install cloud-init'})`,
  () => {
    const rows: string[] = [];

    it.each(RENDERERS)('%s: the MAC match, both addresses, both default routes', (renderer) => {
      const files = render(networkConfig, renderer);
      const v = verdict(renderer, files, MAC);
      expect(v.macMatch, `${renderer} matches eth0 by ${MAC}`).toBe(true);
      expect(v.addresses.join(' ')).toMatch(/203\.0\.113\.10\/(32|255\.255\.255\.255)/);
      expect(v.addresses.join(' ')).toContain('2001:db8:10:20::1/64');
      expect(v.v4.defaultVia, `${renderer}: IPv4 default via 169.254.0.1`).toBe('169.254.0.1');
      expect(v.v6.defaultVia, `${renderer}: IPv6 default via fe80::1`).toBe('fe80::1');
      // fe80::1 is on-link on every renderer: the kernel's fe80::/64 covers it.
      expect(v.v6.onLink, renderer).not.toBeNull();
      const expected = v4OnLinkExpected(renderer, version!);
      if (expected !== 'unknown')
        expect(v.v4.onLink !== null, `${renderer} IPv4 on-link: ${v.v4.onLink}`).toBe(expected);
      rows.push(`${renderer}: IPv4 ${v.v4.onLink ?? 'NOT on-link'} | IPv6 ${v.v6.onLink}`);
      // The inventory's MTU reaches the NIC.
      expect([...files.values()].join('\n')).toMatch(/mtu 1450|MTUBytes=1450|mtu=1450|mtu: 1450|MTU=1450/);
    });

    it('eni: both families in one `auto eth0` interface, gateways by ifupdown (no masked `|| true` routes)', () => {
      const text = [...render(networkConfig, 'eni').values()].join('\n');
      expect(text).toMatch(/auto eth0\niface eth0 inet static\n(\s+.*\n)*\s+gateway 169\.254\.0\.1/);
      expect(text).toMatch(/iface eth0 inet6 static\n(\s+.*\n)*\s+gateway fe80::1/);
      expect(text).not.toMatch(/route add/);
    });

    it('the rendering of a gateway-less on-link host route crashes eni: why the artifact uses subnet gateways', () => {
      const hostRoute = networkConfig.replace(
        /(\n\s+gateway: "169\.254\.0\.1"\n)/,
        '$1        routes:\n          - network: "169.254.0.1/32"\n',
      );
      expect(hostRoute).toContain('169.254.0.1/32');
      expect(() => render(hostRoute, 'eni')).toThrow(/KeyError: 'gateway'|Command failed/);
      console.log(`cloud-init ${version!.join('.')} renderings:\n  ${rows.join('\n  ')}`);
    });
  },
);
