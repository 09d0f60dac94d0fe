import { emitKeypressEvents } from 'node:readline';
import {
  findRunningSimLab,
  sendControl,
  startSimLab,
  type ControlCommand,
  type SimLab,
} from '../lab/sim/lab.ts';
import type { SimFabricOptions } from '../lab/sim/types.ts';
import { parseBgpSummary } from '../drivers/frr/bgp-summary.ts';
import { simLabDirFor } from './common/inventory.ts';
import type { CliIo } from './common/io.ts';
import { renderTable } from './common/table.ts';
import { UsageError } from './usage.ts';

const SIZE_FLAGS = ['hosts', 'routers', 'workloads', 'tenants', 'seed'] as const;

export function parseSimOptions(
  values: Partial<Record<(typeof SIZE_FLAGS)[number], string>>,
): Partial<SimFabricOptions> {
  const limits: Record<(typeof SIZE_FLAGS)[number], [number, number]> = {
    // The model converges synchronously at start, in time linear in hosts and workloads (bench/lab-scale.ts).
    hosts: [1, 1000],
    routers: [1, 8],
    workloads: [0, 50_000],
    tenants: [1, 20],
    seed: [0, 2 ** 31 - 1],
  };
  const options: Partial<SimFabricOptions> = {};
  for (const flag of SIZE_FLAGS) {
    const text = values[flag];
    if (text === undefined) continue;
    const [min, max] = limits[flag];
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new UsageError(`--${flag} ${JSON.stringify(text)}: must be a whole number from ${min} to ${max}`);
    }
    options[flag] = Number(text);
  }
  return options;
}

/** One key of the lab's screen: what it does, and doing it (a message when refused or deferred). */
export interface LabKey {
  key: string;
  text: string;
  run?: () => void;
}

/**
 * The fault keys of `routedeck lab sim`, on this lab (overlay faults on its first router, the one
 * that holds the WireGuard tunnel, VRRP and a VTEP). `random` picks the victim of f, d and s.
 */
export function labKeys(lab: SimLab, random: <T>(items: readonly T[]) => T): LabKey[] {
  const routers = lab.devices.filter((d) => d.role === 'router').map((d) => d.name);
  const hypervisors = lab.devices.filter((d) => d.role === 'hypervisor').map((d) => d.name);
  const first = routers[0] ?? 'spine1';
  let apiDown = false;
  const overlay = (kind: string) => () => lab.faults.overlayFault(first, kind);
  return [
    {
      key: 'f',
      text: 'flap a random BGP session for 5 s',
      run: () => {
        const router = random(routers);
        void establishedPeers(lab, router).then((peers) => {
          if (peers.length > 0) lab.faults.flap(router, random(peers), 5_000);
        });
      },
    },
    {
      key: 'd',
      text: 'drop SSH to a random hypervisor for 10 s',
      run: () => lab.faults.dropSsh(random(hypervisors), 10_000),
    },
    {
      key: 'a',
      text: `make ${first}’s API answer 503 (again: clear)`,
      run: () => {
        apiDown = !apiDown;
        lab.faults.setApiFault(first, { status: apiDown ? 503 : null });
      },
    },
    {
      key: 's',
      text: 'make a random hypervisor slow (2 s a command)',
      run: () => lab.faults.setSlow(random(hypervisors), 2_000),
    },
    { key: 'w', text: `WireGuard peer of ${first} down (silent 4 min)`, run: overlay('wg-peer-down') },
    { key: 'v', text: `VRRP failover (${first} FAULT, another takes over)`, run: overlay('vrrp-failover') },
    { key: 'b', text: 'VRRP split brain (every router MASTER)', run: overlay('vrrp-split-brain') },
    { key: 'e', text: `EVPN VTEP down on ${first}`, run: overlay('vtep-down') },
    {
      key: 'c',
      text: 'clear every fault',
      run: () => {
        apiDown = false;
        lab.faults.clear();
      },
    },
    { key: 'q', text: 'stop the lab' },
  ];
}

/** The key help line the lab's screen prints. */
export function labKeyHelp(keys: readonly LabKey[], width = 80): string {
  // Broken between keys, never inside a word: each line `keys: …` or indented under it.
  const lines: string[] = [];
  let line = 'keys:';
  for (const { key, text } of keys) {
    const item = `${key} ${text}`;
    if (line.length + 3 + item.length > width && line.trim() !== 'keys:') {
      lines.push(line);
      line = `      ${item}`;
    } else line += line.trim() === 'keys:' ? ` ${item}` : ` · ${item}`;
  }
  lines.push(line);
  return lines.join('\n');
}

/** Runs one key's fault; what the screen prints (a refusal changes nothing and says why). */
export function pressLabKey(keys: readonly LabKey[], name: string): string | null {
  const found = keys.find((k) => k.key === name && k.run);
  if (!found) return null;
  try {
    found.run!();
    return `fault: ${found.text}`;
  } catch (error) {
    return `fault refused: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function describeLab(lab: SimLab): string {
  return (
    `LAB (simulated): ${lab.devices.length} devices, ${lab.fabric.workloads().length} workloads, ${lab.fabric.tenants.length} tenants\n` +
    renderTable(lab.devices, [
      { header: 'DEVICE', value: (d) => d.name },
      { header: 'ROLE', value: (d) => d.role },
      { header: 'KIND', value: (d) => `${d.kind} (sim)` },
      { header: 'SSH', value: (d) => `127.0.0.1:${d.sshPort}` },
      { header: 'API', value: (d) => d.apiUrl ?? '', hideWhenEmpty: true },
    ]) +
    (lab.fabric.options.hostRoutes === 'default'
      ? `routes:      hypervisors get only a default route from the routers (full tables up to 50 hosts and 500 workloads)\n`
      : '') +
    `inventory:   ${lab.inventoryPath}\ncontrol:     ${lab.controlSocket}\n` +
    `try:         routedeck get bgp --lab   (in another terminal)\n`
  );
}

/** Runs the lab in the foreground until q, Ctrl-C or SIGTERM; faults by key or over the control socket. */
export async function runSimForeground(options: Partial<SimFabricOptions>, io: CliIo): Promise<number> {
  const dir = simLabDirFor(io.env);
  const running = await findRunningSimLab(dir);
  if (running) {
    io.stderr.write(`routedeck: a lab is already running (pid ${running.pid}, ${running.inventoryPath})\n`);
    return 2;
  }
  const lab = await startSimLab({ fabricOptions: options, ...(dir ? { dir } : {}) });
  let signalled = false;
  // Listening before the first line is printed: a SIGINT sent on seeing it must stop the lab, not
  // kill the process with the lab's sockets and state files left behind.
  let finish = () => {};
  const stopped = new Promise<void>((resolve) => (finish = resolve));
  const onSignal = () => {
    signalled = true;
    finish();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  io.stdout.write(describeLab(lab));
  const off = lab.fabric.onEvent((event) =>
    io.stdout.write(`${new Date(event.at).toISOString().slice(11, 23)} ${event.device}: ${event.message}\n`),
  );
  const random = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
  const keys = labKeys(lab, random);
  const stdin = process.stdin;
  if (stdin.isTTY) {
    io.stdout.write(`${labKeyHelp(keys, (io.stdout as { columns?: number }).columns || 80)}\n`);
    emitKeypressEvents(stdin);
    stdin.setRawMode(true);
  }
  stdin.on('keypress', (_text: string, key: { name?: string; ctrl?: boolean }) => {
    if (key.name === 'q' || (key.ctrl && key.name === 'c')) return finish();
    const said = key.name ? pressLabKey(keys, key.name) : null;
    if (said) io.stdout.write(`${said}\n`);
  });
  await stopped;
  off();
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  await lab.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // After a signal the terminal echoed `^C` on the current line: start ours on a fresh one.
  io.stdout.write(`${signalled ? '\n' : ''}lab stopped\n`);
  return 0;
}

/** Asks the router itself, through the same parser the console uses, which sessions are up. */
async function establishedPeers(lab: SimLab, router: string): Promise<string[]> {
  const result = await lab.fabric.device(router)?.exec("vtysh -c 'show bgp summary json'");
  if (!result || result.code !== 0) return [];
  const sessions = parseBgpSummary(result.stdout, router).filter((session) => session.established);
  return [...new Set(sessions.map((session) => session.peer))];
}

/** `routedeck lab ctl '{"cmd":"flap",…}'`: one command to the running lab's control socket. */
export async function runSimControl(args: string[], io: CliIo): Promise<number> {
  if (args.length !== 1) throw new UsageError(`lab ctl takes one JSON command, e.g. '{"cmd":"status"}'`);
  let command: unknown;
  try {
    command = JSON.parse(args[0]!);
  } catch {
    throw new UsageError(`lab ctl: not JSON: ${args[0]}`);
  }
  const running = await findRunningSimLab(simLabDirFor(io.env));
  if (!running) {
    io.stderr.write(
      'routedeck: no embedded lab is running (start one with `routedeck lab sim` or `npm start`)\n',
    );
    return 2;
  }
  const reply = await sendControl(running.controlSocket, command as ControlCommand);
  io.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
  return reply.ok ? 0 : 1;
}
