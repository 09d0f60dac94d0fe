import type { ConfigTree } from './config-tree.ts';
import { ApiFailure, VERSION_STRINGS, type EmulatedVersion } from './reply.ts';

/** Extra op-mode output for `/show` (e.g. `ip bgp summary` in the lab); undefined = not handled. */
export type ShowExtension = (path: readonly string[]) => string | undefined;

export interface ShowContext {
  version: EmulatedVersion;
  hostname: string;
  running: ConfigTree;
  extension?: ShowExtension;
}

function versionText(version: EmulatedVersion): string {
  return [
    `Version:          VyOS ${VERSION_STRINGS[version]}`,
    `Release train:    ${version === '1.4' ? 'sagitta' : 'current'}`,
    `Release flavor:   generic`,
    '',
    'Built by:         routedeck VyOS API emulator',
    'Architecture:     x86_64',
    '',
  ].join('\n');
}

/**
 * `/show` runs `vyatta-op-cmd-wrapper show <path>` and returns its plain text (reference §1).
 * The emulator knows the configuration views and `version`; anything else goes to the
 * extension, and an unknown command fails with 400 like a non-zero exit.
 */
export function runShow(path: readonly string[], ctx: ShowContext): string {
  const [first, second] = path;
  if (first === 'configuration' && path.length <= 2) {
    if (second === 'commands') return ctx.running.toCommands().join('\n') + '\n';
    // `show configuration json` prints a JSON document; the API returns it as a string.
    if (second === 'json') return JSON.stringify(ctx.running.showConfig([]) ?? {}) + '\n';
  }
  if (first === 'version' && path.length === 1) return versionText(ctx.version);
  if (first === 'host' && second === 'name' && path.length === 2) return `${ctx.hostname}\n`;
  const extra = ctx.extension?.(path);
  if (extra !== undefined) return extra;
  throw new ApiFailure(400, `\n  Invalid command: show [${path.join(' ')}]\n\n`);
}
