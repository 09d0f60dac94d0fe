/**
 * A simulated VyOS router's HTTPS API: the emulator from src/lab/vyos-api, started from the
 * model's running config, with every commit (and commit-confirm revert, and reboot into the saved
 * config) applied to the model so the API and what SSH shows never disagree.
 */
import { ConfigTree, startVyosApiServer, type ConfigJson, type VyosApiServer } from '../../vyos-api/index.ts';
import type { SimDevice, VyosConfigJson } from '../types.ts';
import type { TlsIdentity } from './keys.ts';

export interface RouterApiOptions {
  device: SimDevice;
  /** The API key id as configured on the router (`service https api keys id <id>`). */
  keyId: string;
  key: string;
  tls: TlsIdentity;
  version: '1.4' | '1.5-rolling';
  confirmMinuteMs?: number;
  /** How long a reboot keeps the router's API (and, via onReboot, its SSH) down. */
  rebootMs?: number;
  /** Something the model refused outside any request (a revert), for the lab's event log. */
  onProblem?: (message: string) => void;
  /** The router rebooted (a fault, or an expired commit-confirm with action reboot). */
  onReboot?: (reason: string, downMs: number) => void;
}

/** What the model is given: the config without the API keys, which it has no use for and must never print. */
export function configForModel(tree: ConfigTree): VyosConfigJson {
  const copy = tree.clone();
  copy.delete(['service', 'https', 'api', 'keys']);
  return (copy.showConfig([]) ?? {}) as VyosConfigJson;
}

export function initialRouterConfig(
  device: SimDevice,
  opts: Pick<RouterApiOptions, 'keyId' | 'key' | 'version'>,
): ConfigTree {
  const vyosConfig = device.vyosConfig;
  if (!vyosConfig) throw new Error(`${device.name}: kind vyos but the model has no vyosConfig()`);
  const tree = ConfigTree.fromJson(vyosConfig.call(device) as ConfigJson);
  tree.set(['service', 'https', 'api', 'keys', 'id', opts.keyId, 'key'], opts.key);
  // 1.5 mounts the REST routes only with `service https api rest` (reference §1, T6736).
  if (opts.version === '1.5-rolling') tree.set(['service', 'https', 'api', 'rest']);
  return tree;
}

export async function startRouterApi(opts: RouterApiOptions): Promise<VyosApiServer> {
  const { device } = opts;
  const apply = (tree: ConfigTree): void => device.applyVyosConfig?.(configForModel(tree));
  return startVyosApiServer({
    host: '127.0.0.1',
    port: 0,
    keys: { [opts.keyId]: opts.key },
    version: opts.version,
    hostname: device.name,
    tls: { cert: opts.tls.cert, key: opts.tls.key },
    initialConfig: initialRouterConfig(device, opts),
    strict: true,
    ...(opts.confirmMinuteMs !== undefined ? { confirmMinuteMs: opts.confirmMinuteMs } : {}),
    ...(opts.rebootMs !== undefined ? { rebootMs: opts.rebootMs } : {}),
    ...(opts.onReboot ? { onReboot: opts.onReboot } : {}),
    // A throw here fails the commit with the model's text, as the router's commit would.
    commitHook: (tree) => apply(tree),
    onCommit: (tree, event) => {
      // Commits were already applied by the hook; a revert or a reboot never passes through it.
      if (event === 'revert' || event === 'reboot') {
        try {
          apply(tree);
        } catch (error) {
          // No request is waiting for a revert, so the lab's event log is the only place to say it.
          opts.onProblem?.(`${event} not applied to the model: ${String(error)}`);
        }
      }
    },
  });
}
