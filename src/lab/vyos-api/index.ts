export { generateSelfSignedCert, type SelfSignedCert } from './cert.ts';
export { ConfigCliError, ConfigTree, type ConfigJson } from './config-tree.ts';
export { VERSION_STRINGS, type EmulatedVersion } from './reply.ts';
export { classifyPath, type HintKind } from './schema-hints.ts';
export {
  startVyosApiServer,
  type VyosApiFault,
  type VyosApiServer,
  type VyosApiServerOptions,
  type VyosApiServerStats,
} from './server.ts';
export type {
  CommitEvent,
  CommitHook,
  ConfirmAction,
  ConfigureCommand,
  EmulatedConfigSession,
  SessionState,
} from './session.ts';
export type { ShowExtension } from './show.ts';
export { defaultPathValidator, type ConfigureOp, type PathValidator } from './validator.ts';
