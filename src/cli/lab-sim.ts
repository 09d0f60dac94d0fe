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
import { simLabDirFor } from './get.ts';
import type { CliIo } from './run.ts';
import { renderTable } from './table.ts';
import { UsageError } from './usage.ts';

const SIZE_FLAGS = ['hosts', 'routers', 'workloads', 'tenants', 'seed'] as const;

export function parseSimOptions(
  values: Partial<Record<(typeof SIZE_FLAGS)[number], string>>,
): Partial<SimFabricOptions> {
  const limits: Record<(typeof SIZE_FLAGS)[number], [number, number]> = {
    // The model converges synchronously at start; past ~50 hosts it takes seconds (measured: 1.6 s at 50).
    hosts: [1, 50],
    routers: [1, 8],
    workloads: [0, 500],
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

const KEYS = [
  ['f', 'flap a random BGP session for 5 s'],
  ['d', 'drop SSH to a random hypervisor for 10 s'],
  ['a', 'make spine1’s API answer 503 (again: clear)'],
  ['s', 'make a random hypervisor slow (2 s a command)'],
  ['c', 'clear every fault'],
  ['q', 'stop the lab'],
] as const;

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
  io.stdout.write(describeLab(lab));
  const off = lab.fabric.onEvent((event) =>
    io.stdout.write(`${new Date(event.at).toISOString().slice(11, 23)} ${event.device}: ${event.message}\n`),
  );
  const random = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
  const hypervisors = lab.devices.filter((d) => d.role === 'hypervisor').map((d) => d.name);
  let apiDown = false;
  const actions: Record<string, () => void> = {
    f: () => {
      const router = random(lab.devices.filter((d) => d.role === 'router')).name;
      void establishedPeers(lab, router).then((peers) => {
        if (peers.length > 0) lab.faults.flap(router, random(peers), 5_000);
      });
    },
    d: () => lab.faults.dropSsh(random(hypervisors), 10_000),
    a: () => {
      apiDown = !apiDown;
      lab.faults.setApiFault('spine1', { status: apiDown ? 503 : null });
    },
    s: () => lab.faults.setSlow(random(hypervisors), 2_000),
    c: () => lab.faults.clear(),
  };
  const stdin = process.stdin;
  if (stdin.isTTY) {
    io.stdout.write(`keys: ${KEYS.map(([key, text]) => `${key} ${text}`).join(' · ')}\n`);
    emitKeypressEvents(stdin);
    stdin.setRawMode(true);
  }
  await new Promise<void>((resolve) => {
    const finish = () => resolve();
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    stdin.on('keypress', (_text: string, key: { name?: string; ctrl?: boolean }) => {
      if (key.name === 'q' || (key.ctrl && key.name === 'c')) return finish();
      const action = key.name ? actions[key.name] : undefined;
      if (action) {
        action();
        io.stdout.write(`fault: ${KEYS.find(([k]) => k === key.name)?.[1] ?? key.name}\n`);
      }
    });
  });
  off();
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  await lab.stop();
  io.stdout.write('lab stopped\n');
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
