import { z } from 'zod';
import { familyOf } from '../addr/cidr.ts';
import {
  commandPrefix,
  deviceName,
  filePath,
  host,
  interfaceName,
  secretRef,
  sha256Fingerprint,
  tenantName,
  userName,
  vrfName,
} from './fields.ts';

const auth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('agent'), socket: filePath.optional() }),
  z.strictObject({ type: z.literal('key'), path: filePath, passphrase: secretRef.optional() }),
]);

const tls = z.union([z.strictObject({ ca: filePath }), z.strictObject({ fingerprint: sha256Fingerprint })], {
  error: 'must be {ca: FILE} or {fingerprint: SHA256}; omit it to verify against the system CAs',
});

// Messages never quote the URL: a credential pasted into it would end up on the terminal.
const apiUrl = z
  .string()
  // Before parsing: a key with `/` in it makes `user:KEY@host` unparseable, and that is still a key.
  .refine((value) => !/^[^?#]*@/.test(value), {
    message: 'must not contain a user name or password; give the API key as key: {env: NAME} or {file: PATH}',
    abort: true,
  })
  .refine((value) => URL.canParse(value) && new URL(value).protocol === 'https:', {
    message: 'must be an https:// URL',
    abort: true,
  })
  .refine(
    (value) => !/(key|token|pass|secret|auth)[^=&;#]*=/i.test(new URL(value).search + new URL(value).hash),
    {
      message:
        'must not carry a key, token or password in its query or fragment; give the API key as key: {env: NAME} or {file: PATH}',
      abort: true,
    },
  )
  .refine((value) => !new URL(value).search && !new URL(value).hash, {
    message: 'must not have a query or fragment (routedeck appends the endpoint path to it)',
  });

const api = z.strictObject({
  url: apiUrl,
  key: secretRef,
  tls: tls.optional(),
});

const device = z.strictObject({
  name: deviceName,
  role: z.enum(['router', 'hypervisor']),
  kind: z.enum(['frr-linux', 'vyos']),
  host,
  port: z.number().int().min(1).max(65535).optional(),
  user: userName.optional(),
  auth: auth.optional(),
  vtysh: commandPrefix.optional(),
  privilege: z.union([commandPrefix, z.literal('')]).optional(),
  api: api.optional(),
  uplinks: z.array(interfaceName).optional(),
  /** Set by the embedded lab so every view labels the device as simulated. */
  simulated: z.boolean().optional(),
});

/**
 * The shared registry of a team (issue 19): a PostgreSQL URL, or `sqlite:FILE`. The password is only
 * ever a reference ({env} or {file}); a URL carrying one is refused without being echoed.
 */
const registry = z.strictObject({
  url: z
    .string()
    .refine((value) => !/^[^/]*\/\/[^/@]*:[^/@]*@/.test(value), {
      message: 'must not contain a password; give it as password: {env: NAME} or {file: PATH}',
      abort: true,
    })
    .refine((value) => /^(postgres(ql)?:\/\/[^/]+\/[^/?#]+(\?.*)?|sqlite:.+)$/i.test(value), {
      message: 'must be postgres://USER@HOST[:PORT]/DB or sqlite:FILE',
    }),
  password: secretRef.optional(),
  sslmode: z
    .enum(['disable', 'verify-ca', 'verify-full'], {
      error: 'must be disable, verify-ca or verify-full (require does not check who answers)',
    })
    .optional(),
  sslrootcert: filePath.optional(),
});

const MTU = 'must be a whole number from 1280 (the IPv6 minimum) to 9216';
const ipAddress = z
  .string()
  .refine((value) => familyOf(value) !== null && !value.includes('/'), 'must be an IP address');

/** The tenant's guests' network-config (issue 17): written into every create's cloud-init seed. */
const guestNetwork = z.strictObject({
  dnsServers: z
    .array(ipAddress)
    .min(1, 'must list at least one address (omit it for none)')
    .max(3, 'lists more than 3 servers (resolv.conf uses the first 3)')
    .optional(),
  mtu: z.number({ error: MTU }).int(MTU).min(1280, MTU).max(9216, MTU).optional(),
  // Named so the refusal says why instead of "unrecognized key".
  routes: z
    .never({
      error:
        'extra guest routes are not supported: every guest route would use the same link-local gateway as the default route, and cloud-init writes them for ifupdown as masked `post-up route add … || true`',
    })
    .optional(),
});

const tenant = z.strictObject({
  name: tenantName,
  vrf: vrfName.optional(),
  pools4: z.array(z.string()).default([]),
  pools6: z.array(z.string()).default([]),
  guest: guestNetwork.optional(),
});

/**
 * How a migration moves the workload itself (issue 6): `none` (the TAP appears by other means),
 * `command` (a templated command run on the source hypervisor, e.g. `virsh migrate`).
 */
const computeHook = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('command'), template: z.string().min(1) }),
]);

const RETRY_MS = 'must be a whole number of ms from 0 to 3600000 (one hour), e.g. 90000';

const workflows = z.strictObject({
  computeHook: computeHook.optional(),
  /** false when the compute layer (libvirt, QEMU, the lab) creates and deletes TAPs. */
  manageTap: z.boolean().optional(),
  /** Migrations withdraw before announcing (fabrics that cannot prefer the target by MED). */
  breakBeforeMake: z.boolean().optional(),
  /** How long (ms) a failed undo is retried across SSH reconnects before the plan ends failed; max one hour. */
  rollbackRetryMs: z
    .number({ error: RETRY_MS })
    .int(RETRY_MS)
    .min(0, RETRY_MS)
    .max(3_600_000, RETRY_MS)
    .optional(),
});

export const inventorySchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$/, 'must be a short plain name')
    .optional(),
  linkLocal: z.strictObject({ ipv4: z.string(), ipv6: z.string() }).optional(),
  defaults: z
    .strictObject({
      user: userName.optional(),
      port: z.number().int().min(1).max(65535).optional(),
      auth: auth.optional(),
      knownHosts: filePath.optional(),
      vtysh: commandPrefix.optional(),
      privilege: z.union([commandPrefix, z.literal('')]).optional(),
    })
    .optional(),
  devices: z.array(device).min(1, 'must list at least one device'),
  tenants: z.array(tenant).default([]),
  workflows: workflows.optional(),
  registry: registry.optional(),
});

export type InventoryInput = z.infer<typeof inventorySchema>;
