import { describe, expect, it } from 'vitest';
import { isSharedServicePlan, parseSharedServiceArgs } from '../../src/cli/shared-service.ts';

describe('routedeck plan shared-service arguments', () => {
  it('reads repeated --tenant specs, the provider and the options', () => {
    const argv = [
      '--lab',
      'plan',
      'shared-service',
      'dns',
      '--service',
      '10.0.0.53',
      '--local',
      '10.0.255.53',
      '--tenant',
      'acme@edge1,via=192.0.2.1',
      '--tenant',
      'globex@edge2,via=192.0.2.5,prefix=10.0.0.0/24,in=eth1,out=eth2',
      '--provider',
      'core1,in=eth3',
      '--vyos-version',
      '1.3',
      '--rule',
      '42',
    ];
    expect(isSharedServicePlan(argv)).toBe(true);
    expect(isSharedServicePlan(['plan', 'create', 'x'])).toBe(false);
    expect(parseSharedServiceArgs(argv).input).toEqual({
      name: 'dns',
      service: '10.0.0.53',
      local: '10.0.255.53',
      tenants: [
        { tenant: 'acme', edge: 'edge1', via: '192.0.2.1' },
        {
          tenant: 'globex',
          edge: 'edge2',
          via: '192.0.2.5',
          prefix: '10.0.0.0/24',
          tenantIf: 'eth1',
          transitIf: 'eth2',
        },
      ],
      provider: { edge: 'core1', transitIf: 'eth3' },
      vyosVersion: '1.3',
      rule: 42,
    });
  });

  it.each([
    [['--service', '10.0.0.53', '--provider', 'p'], /needs --tenant/],
    [['--service', '10.0.0.53', '--tenant', 'a@e', '--provider', 'p'], /needs via=ADDR/],
    [['--service', '10.0.0.53', '--tenant', 'a', '--provider', 'p'], /must be TENANT@EDGE,via=ADDR/],
    [['--tenant', 'a@e,via=1.2.3.4', '--provider', 'p'], /needs --service/],
    [
      ['--service', 's', '--tenant', 'a@e,via=1.2.3.4', '--provider', 'p', '--vyos-version', '1.2'],
      /1\.3 or 1\.4/,
    ],
    [
      ['--service', 's', '--tenant', 'a@e,via=1.2.3.4,color=red', '--provider', 'p'],
      /unknown setting "color"/,
    ],
  ])('refuses %j', (extra, message) => {
    expect(() => parseSharedServiceArgs(['plan', 'shared-service', 'dns', ...extra])).toThrow(message);
  });
});
