import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Composer, LineCounter, Parser, visit } from 'yaml';
import type { z } from 'zod';
import { AddressError, cidrFamily, cidrText, isValidIp, parseCidr, type Cidr } from '../addr/cidr.ts';
import { LINK_LOCAL_GATEWAY_V4, LINK_LOCAL_GATEWAY_V6 } from '../addr/link-local.ts';
import { findOverlaps } from '../addr/overlap.ts';
import type { DeviceSpec, SecretRef, SshAuth, TlsTrust } from '../model/device.ts';
import type { TenantSpec } from '../model/workload.ts';
import { checkHookTemplate, type ComputeHook } from '../workflows/plan/compute-hook.ts';
import {
  checkExpandedSize,
  checkTextSize,
  InventoryLimitError,
  MAX_ALIAS_COUNT,
  readCapped,
} from './limits.ts';
import { MAX_YAML_DEPTH, yamlDepth } from './depth.ts';
import { inventorySchema, type InventoryInput } from './schema.ts';

export interface Inventory {
  name: string;
  /** Absolute path of the file it came from, or null when built in memory (the embedded lab). */
  source: string | null;
  knownHostsFile: string;
  linkLocal: { ipv4: string; ipv6: string };
  devices: DeviceSpec[];
  tenants: TenantSpec[];
  workflows: WorkflowSettings;
  /** The team's shared registry, when the inventory names one (else each console keeps its own file). */
  registry?: RegistrySettings;
}

export interface RegistrySettings {
  /** postgres://USER@HOST[:PORT]/DB (no password) or sqlite:FILE. */
  url: string;
  password?: SecretRef;
  sslmode?: 'disable' | 'verify-ca' | 'verify-full';
  /** Absolute path of the CA certificate to trust (libpq's sslrootcert). */
  sslrootcert?: string;
}

export interface WorkflowSettings {
  computeHook: ComputeHook;
  manageTap: boolean;
  breakBeforeMake: boolean;
  /** Bound of the retries of a failed undo (absent: the executor's default, 90 s). */
  rollbackRetryMs?: number;
}

/**
 * Every problem found, each as `path: message`, so the operator can fix the file in one pass. A
 * problem with the whole file (unreadable, too big, an alias bomb) is one line: `FILE: sentence`.
 */
export class InventoryError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
    whole = false,
  ) {
    super(whole ? `${source}: ${problems.join('; ')}` : `${source}: invalid inventory\n${shown(problems)}`);
  }
}

const SHOWN_PROBLEMS = 50;

/** The first problems, then a count: a pasted pool list can overlap a million times. */
function shown(problems: readonly string[]): string {
  const lines = problems.slice(0, SHOWN_PROBLEMS).map((problem) => `  ${problem}`);
  const more = problems.length - SHOWN_PROBLEMS;
  if (more > 0) lines.push(`  … and ${more} more problem${more === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export function loadInventoryFile(file: string): Inventory {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readCapped(absolute);
  } catch (error) {
    if (error instanceof InventoryLimitError) throw new InventoryError(absolute, [error.message], true);
    throw new InventoryError(
      absolute,
      [`cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`],
      true,
    );
  }
  return parseInventory(text, absolute);
}

export function parseInventory(text: string, source: string): Inventory {
  let data: unknown;
  try {
    data = readYaml(text, source);
  } catch (error) {
    if (error instanceof InventoryError) throw error;
    if (error instanceof InventoryLimitError) throw new InventoryError(source, [error.message], true);
    // yaml's own guards throw ReferenceError (alias bomb, alias before its anchor); depth throws RangeError.
    if (error instanceof RangeError)
      throw new InventoryError(source, ['the YAML is nested too deeply to read'], true);
    if (error instanceof ReferenceError)
      throw new InventoryError(source, [`YAML aliases refused: ${error.message}`], true);
    throw error;
  }
  const result = inventorySchema.safeParse(data);
  if (!result.success) throw new InventoryError(source, formatIssues(result.error.issues));
  const canonical = new Map<string, string>();
  const problems = crossCheck(result.data, canonical);
  if (problems.length > 0) throw new InventoryError(source, problems);
  return build(result.data, source, canonical);
}

function readYaml(text: string, source: string): unknown {
  checkTextSize(text);
  // parseDocument in two steps, so that nesting is measured on the tokens before composing.
  const lineCounter = new LineCounter();
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  if (yamlDepth(tokens) > MAX_YAML_DEPTH)
    throw new InventoryLimitError(`the YAML is nested more than ${MAX_YAML_DEPTH} levels deep`);
  const [document, ...others] = Array.from(
    new Composer({ uniqueKeys: true }).compose(tokens, true, text.length),
  );
  if (!document) throw new InventoryLimitError('the file holds no YAML document');
  if (others.length > 0) throw new InventoryLimitError('the file holds more than one YAML document');
  if (document.errors.length > 0) {
    throw new InventoryError(
      source,
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `YAML: ${error.message.split('\n')[0]} at line ${line}, column ${col}`;
      }),
    );
  }
  // yaml resolves each alias by scanning every anchor before it: refuse before that turns quadratic.
  let aliases = 0;
  visit(document, {
    Alias: () => {
      aliases += 1;
      return aliases > MAX_ALIAS_COUNT ? visit.BREAK : undefined;
    },
  });
  if (aliases > MAX_ALIAS_COUNT)
    throw new InventoryLimitError(
      `the file uses more than ${MAX_ALIAS_COUNT.toLocaleString('en-US')} YAML aliases; write the values out instead`,
    );
  // yaml's own alias guard refuses a default aliased by a few hundred devices; the caps above and
  // the expanded-size count below bound what aliases can do instead.
  const data: unknown = document.toJS({ maxAliasCount: -1 });
  checkExpandedSize(data);
  return data;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${formatPath(issue.path) || '(top level)'}: ${issue.message}`);
}

/** `canonical` gets each pool's text as written → its canonical text, for build(). */
function crossCheck(input: InventoryInput, canonical: Map<string, string>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  input.devices.forEach((device, index) => {
    const first = seen.get(device.name.toLowerCase());
    if (first !== undefined)
      problems.push(`devices[${index}].name: "${device.name}" is already used by devices[${first}]`);
    else seen.set(device.name.toLowerCase(), index);
    if (device.api && device.kind !== 'vyos')
      problems.push(`devices[${index}].api: only devices of kind vyos have an HTTPS API`);
  });
  if (input.linkLocal) {
    if (!isValidIp(input.linkLocal.ipv4))
      problems.push(`linkLocal.ipv4: "${input.linkLocal.ipv4}" is not an IPv4 address`);
    if (!isValidIp(input.linkLocal.ipv6))
      problems.push(`linkLocal.ipv6: "${input.linkLocal.ipv6}" is not an IPv6 address`);
  }
  const pools: { tenant: string; vrf: string; path: string; cidr: Cidr }[] = [];
  const tenantNames = new Set<string>();
  const parsed = new Map<string, Cidr>();
  input.tenants.forEach((tenant, t) => {
    if (tenantNames.has(tenant.name)) problems.push(`tenants[${t}].name: "${tenant.name}" is listed twice`);
    tenantNames.add(tenant.name);
    for (const [key, family] of [
      ['pools4', 4],
      ['pools6', 6],
    ] as const) {
      tenant[key].forEach((text, p) => {
        const path = `tenants[${t}].${key}[${p}]`;
        try {
          // Aliases repeat the same list many times: parse each text once (ip-num is slow).
          const cidr = parsed.get(text) ?? parseCidr(text);
          parsed.set(text, cidr);
          if (!canonical.has(text)) canonical.set(text, cidrText(cidr));
          if (cidrFamily(cidr) !== family) problems.push(`${path}: "${text}" is not an IPv${family} prefix`);
          else pools.push({ tenant: tenant.name, vrf: tenant.vrf ?? 'default', path, cidr });
        } catch (error) {
          if (!(error instanceof AddressError)) throw error;
          problems.push(`${path}: ${error.message}`);
        }
      });
    }
  });
  // Pools may overlap only when the tenants live in different VRFs (overlapping private space is their point).
  for (const { earlier, later } of findOverlaps(
    pools.map((pool) => ({ cidr: pool.cidr, space: pool.vrf })),
  )) {
    const a = pools[earlier]!;
    const b = pools[later]!;
    problems.push(
      `${b.path}: ${cidrText(b.cidr)} overlaps ${a.path} (${cidrText(a.cidr)}, tenant ${a.tenant}) in VRF ${a.vrf}`,
    );
  }
  const hook = input.workflows?.computeHook;
  if (hook?.type === 'command') {
    try {
      checkHookTemplate(hook.template);
    } catch (error) {
      problems.push(
        `workflows.computeHook.template: ${(error as Error).message.replace(/^compute hook: /, '')}`,
      );
    }
  }
  return problems;
}

function expandPath(path: string, base: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(base, path);
}

function build(input: InventoryInput, source: string, canonical: Map<string, string>): Inventory {
  const base = dirname(source);
  const defaults = input.defaults ?? {};
  const fileRef = (ref: SecretRef): SecretRef => ('file' in ref ? { file: expandPath(ref.file, base) } : ref);
  const resolveAuth = (auth: SshAuth | undefined): SshAuth => {
    if (!auth) return { type: 'agent' };
    if (auth.type === 'agent')
      return auth.socket ? { type: 'agent', socket: expandPath(auth.socket, base) } : auth;
    return {
      type: 'key',
      path: expandPath(auth.path, base),
      ...(auth.passphrase ? { passphrase: fileRef(auth.passphrase) } : {}),
    };
  };
  const devices: DeviceSpec[] = input.devices.map((device) => {
    const spec: DeviceSpec = {
      name: device.name,
      role: device.role,
      kind: device.kind,
      host: device.host,
      port: device.port ?? defaults.port ?? 22,
      user: device.user ?? defaults.user ?? (device.kind === 'vyos' ? 'vyos' : 'root'),
      auth: resolveAuth(device.auth ?? defaults.auth),
      vtysh: device.vtysh ?? defaults.vtysh ?? 'vtysh',
      privilege: device.privilege ?? defaults.privilege ?? '',
    };
    if (device.api) {
      const tls: TlsTrust = !device.api.tls
        ? { mode: 'system' }
        : 'ca' in device.api.tls
          ? { mode: 'ca', caFile: expandPath(device.api.tls.ca, base) }
          : { mode: 'pin', sha256: device.api.tls.fingerprint };
      spec.api = { url: device.api.url, key: fileRef(device.api.key), tls };
    }
    if (device.uplinks) spec.uplinks = device.uplinks;
    if (device.simulated) spec.simulated = true;
    return spec;
  });
  return {
    name: input.name ?? 'inventory',
    source,
    knownHostsFile: expandPath(defaults.knownHosts ?? '~/.ssh/known_hosts', base),
    linkLocal: {
      ipv4: input.linkLocal?.ipv4 ?? LINK_LOCAL_GATEWAY_V4,
      ipv6: input.linkLocal?.ipv6 ?? LINK_LOCAL_GATEWAY_V6,
    },
    devices,
    workflows: {
      computeHook: input.workflows?.computeHook ?? { type: 'none' },
      manageTap: input.workflows?.manageTap ?? true,
      breakBeforeMake: input.workflows?.breakBeforeMake ?? false,
      ...(input.workflows?.rollbackRetryMs !== undefined
        ? { rollbackRetryMs: input.workflows.rollbackRetryMs }
        : {}),
    },
    ...(input.registry
      ? {
          registry: {
            // A relative sqlite:FILE is next to the inventory, like every other path in it.
            url: input.registry.url.replace(
              /^sqlite:(.+)$/i,
              (_m, file: string) => `sqlite:${expandPath(file, base)}`,
            ),
            ...(input.registry.password ? { password: fileRef(input.registry.password) } : {}),
            ...(input.registry.sslmode ? { sslmode: input.registry.sslmode } : {}),
            ...(input.registry.sslrootcert
              ? { sslrootcert: expandPath(input.registry.sslrootcert, base) }
              : {}),
          },
        }
      : {}),
    tenants: input.tenants.map((tenant) => ({
      name: tenant.name,
      ...(tenant.vrf ? { vrf: tenant.vrf } : {}),
      pools4: tenant.pools4.map((pool) => canonical.get(pool) ?? cidrText(parseCidr(pool))),
      pools6: tenant.pools6.map((pool) => canonical.get(pool) ?? cidrText(parseCidr(pool))),
      ...(tenant.guest?.dnsServers || tenant.guest?.mtu !== undefined
        ? {
            guest: {
              ...(tenant.guest.dnsServers ? { dnsServers: tenant.guest.dnsServers } : {}),
              ...(tenant.guest.mtu !== undefined ? { mtu: tenant.guest.mtu } : {}),
            },
          }
        : {}),
    })),
  };
}
