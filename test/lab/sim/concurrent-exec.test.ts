import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { SshPool } from '../../../src/transport/ssh/index.ts';

// With the device in another process, ssh2 often delivers a channel's confirmation and its
// exit-status in one TCP read; exit codes used to be lost then (commands looked "killed").
describe('many commands at once on one SSH connection to a lab device in another process', () => {
  let parent = '';
  let child: ChildProcess;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-exec-'));
    child = spawn(process.execPath, ['bin/routedeck.mjs', 'lab', 'sim'], {
      env: { ...process.env, ROUTEDECK_LAB_DIR: parent },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const state = path.join(parent, 'sim', 'lab.json');
    const deadline = Date.now() + 20_000;
    while (!existsSync(state)) {
      if (Date.now() > deadline) throw new Error('lab sim did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 180_000);

  afterAll(async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(parent, { recursive: true, force: true });
  });

  it('returns every exit status', async () => {
    const inventory = loadInventoryFile(path.join(parent, 'sim', 'inventory.yaml'));
    const pool = new SshPool({ knownHostsFile: inventory.knownHostsFile });
    try {
      const codes: (number | null)[] = [];
      for (const device of inventory.devices) {
        for (let round = 0; round < 3; round++) {
          const results = await Promise.all(
            Array.from({ length: 6 }, (_, i) =>
              pool.get(device).exec(i % 2 ? 'hostname' : "vtysh -c 'show bgp vrf all summary json'"),
            ),
          );
          codes.push(...results.map((result) => result.code));
        }
      }
      expect(codes.filter((code) => code !== 0)).toEqual([]);
      expect(codes).toHaveLength(inventory.devices.length * 18);
    } finally {
      await pool.closeAll();
    }
  });
});
