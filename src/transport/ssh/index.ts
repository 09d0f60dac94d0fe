export { SshDeviceConnection } from './connection.ts';
export type { SshConnectionOptions, SshConnectionState, StateListener } from './connection.ts';
export type { HostKeyInfo } from './dial.ts';
export { SshPool } from './pool.ts';
export type { RemoteShell, ShellEnd, ShellRequest, ShellSize } from './shell.ts';
export type { SshPoolDefaults } from './pool.ts';
export { shellJoin, shellQuote } from './quote.ts';
export {
  appendKnownHost,
  fingerprint,
  knownHostName,
  parseKnownHosts,
  verifyHostKey,
} from './known-hosts.ts';
export type { HostKeyVerdict, KnownHostEntry } from './known-hosts.ts';
export * from './errors.ts';
