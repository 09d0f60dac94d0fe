/** The overlay tools of a simulated VyOS router: `wg show all <field>` and the VRRP JSON dump. */
import { VRRP_DUMP_SCRIPT } from '../../../drivers/vyos/overlay.ts';
import { ToolError } from '../model/errors.ts';
import type { SimNode } from '../model/node.ts';

export function wg(node: SimNode, args: string[], root: boolean): string {
  if (!node.overlay) throw new ToolError('sh: 1: wg: not found\n', 127);
  const [show, which, field, ...rest] = args;
  if (show !== 'show' || which !== 'all' || field === undefined || rest.length > 0)
    throw new ToolError(
      'Usage: wg show all <endpoints|allowed-ips|latest-handshakes|transfer|persistent-keepalive>\n(simulated: only these forms)\n',
      1,
    );
  return node.overlay.wgShow(node.name, field, root);
}

/** Only the one script VyOS's `show vrrp` runs (src/drivers/vyos/overlay.ts); the lab has no Python. */
export function python3(node: SimNode, args: string[], root: boolean): string {
  if (!node.overlay || args[0] !== '-c' || args[1] !== VRRP_DUMP_SCRIPT || args.length !== 2)
    throw new ToolError('python3: the simulated router runs only the VRRP dump script\n', 2);
  // keepalived's pid file and the signal need root, as on the router.
  if (!root) throw new ToolError('PermissionError: [Errno 1] Operation not permitted\n', 1);
  return `${node.overlay.keepalivedJson(node.name)}\n`;
}
