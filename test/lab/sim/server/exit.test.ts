import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('a stopped lab', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('leaves nothing that keeps the process alive (servers, sockets, fault and fabric timers)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'routedeck-simexit-'));
    dirs.push(dir);
    const script = `
      import { sendControl, startSimLab } from ${JSON.stringify(path.join(root, 'src/lab/sim/lab.ts'))};
      const lab = await startSimLab({ dir: ${JSON.stringify(path.join(dir, 'sim'))} });
      lab.faults.dropSsh('hv1', 600000);
      lab.faults.flap('spine1', 'eth1', 600000);
      const status = await sendControl(lab.controlSocket, { cmd: 'status' });
      await lab.stop();
      console.log(status.ok ? 'stopped' : 'status failed');
    `;
    // The child must end by itself: a leaked server, socket or timer would hold it until the timeout.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      timeout: 90_000,
    });
    expect(stdout.trim()).toBe('stopped');
  }, 180_000);
});
