/** What every command is handed: its streams, environment and (on a terminal) a way to ask. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** True when stdin and stdout are a terminal the interactive console can own. */
  interactive?: boolean;
  /** Answers a yes/no question; absent when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

export const GET_OPTIONS = {
  inventory: { type: 'string' },
  'lab-netns': { type: 'boolean' },
  lab: { type: 'boolean' },
  'read-only': { type: 'boolean' },
  log: { type: 'string' },
  registry: { type: 'string' },
  operator: { type: 'string' },
  tenant: { type: 'string' },
  host: { type: 'string' },
  to: { type: 'string' },
  peer: { type: 'string' },
  mac: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'cloud-init-dir': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  resume: { type: 'string' },
  rollback: { type: 'string' },
  'break-before-make': { type: 'boolean' },
  plan: { type: 'string' },
  limit: { type: 'string' },
  listen: { type: 'string' },
  'authorized-keys': { type: 'string' },
  'host-key': { type: 'string' },
  'auth-timeout': { type: 'string' },
  'max-viewers': { type: 'string' },
  'max-pending': { type: 'string' },
  'max-pending-per-source': { type: 'string' },
  hosts: { type: 'string' },
  routers: { type: 'string' },
  workloads: { type: 'string' },
  tenants: { type: 'string' },
  seed: { type: 'string' },
  device: { type: 'string', multiple: true },
  vrf: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean' },
  fingerprint: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
