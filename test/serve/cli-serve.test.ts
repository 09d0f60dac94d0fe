/**
 * The pieces `routedeck serve` adds around the console: the driver's terminal teed into the
 * mirror (size and resizes follow the real terminal), the listen address, the kept host key, and
 * refusals before anything listens.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseListen } from '../../src/cli/serve.ts';
import { ScreenMirror } from '../../src/serve/mirror.ts';
import { teeStdout } from '../../src/serve/tee.ts';
import { loadOrCreateSshKey } from '../../src/transport/ssh/keys.ts';
import { cli } from '../helpers/cli.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'routedeck-serve-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('routedeck serve around the console', () => {
  it("tees the driver's output into the mirror and follows the real terminal's size", async () => {
    let written = '';
    const real = Object.assign(new EventEmitter(), {
      columns: 90,
      rows: 20,
      isTTY: true,
      write: (data: string) => ((written += data), true),
    });
    const mirror = new ScreenMirror(10, 5);
    const tee = teeStdout(real as unknown as NodeJS.WriteStream, mirror);
    expect([mirror.cols, mirror.rows]).toEqual([90, 20]);
    expect([tee.columns, tee.rows, tee.isTTY]).toEqual([90, 20, true]);
    tee.write('\u001b[1mBGP\u001b[0m sessions');
    await mirror.flushed();
    expect(written).toBe('\u001b[1mBGP\u001b[0m sessions');
    expect(mirror.textLines()[0]).toBe('BGP sessions');
    let resized = 0;
    tee.on('resize', () => (resized += 1));
    real.columns = 120;
    real.rows = 40;
    real.emit('resize');
    expect([mirror.cols, mirror.rows, tee.columns, resized]).toEqual([120, 40, 120, 1]);
    tee.detach();
  });

  it('parses --listen and refuses what is not ADDRESS:PORT', () => {
    expect(parseListen('127.0.0.1:2222')).toEqual({ host: '127.0.0.1', port: 2222 });
    expect(parseListen('[::1]:2222')).toEqual({ host: '::1', port: 2222 });
    for (const bad of ['2222', 'host;rm:22', '127.0.0.1:0', '127.0.0.1:70000', '[::1]']) {
      expect(() => parseListen(bad), bad).toThrow(/expected ADDRESS:PORT/);
    }
  });

  it('keeps the host key across runs (viewers see the same fingerprint)', async () => {
    const file = path.join(dir, 'serve_host_ed25519');
    const first = await loadOrCreateSshKey(file, true);
    const second = await loadOrCreateSshKey(file, true);
    expect(second.public).toBe(first.public);
  });

  it('refuses a bad authorized-keys file or missing options before listening (exit 2)', async () => {
    const keys = path.join(dir, 'keys');
    await writeFile(keys, 'command="/bin/sh" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB bob\n');
    const noKeys = await cli(['serve', '--listen', '127.0.0.1:2299']);
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toMatch(/needs --authorized-keys FILE/);
    const badListen = await cli(['serve', '--listen', 'nope', '--authorized-keys', keys]);
    expect(badListen.code).toBe(2);
    expect(badListen.stderr).toMatch(/expected ADDRESS:PORT/);
    const badKeys = await cli(['serve', '--listen', '127.0.0.1:2299', '--authorized-keys', keys]);
    expect(badKeys.code).toBe(2);
    expect(badKeys.stderr).toMatch(/line 1: options or an unknown key type/);
    const badLimit = await cli([
      'serve',
      '--listen',
      '127.0.0.1:2299',
      '--authorized-keys',
      keys,
      '--max-viewers',
      '0',
    ]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/--max-viewers "0": expected a number from 1 to 1000\n/);
  });
});
