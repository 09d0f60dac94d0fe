/**
 * The netns lab lock between test runs and a lab a user left up with `routedeck lab netns up`
 * (issue 15, item 4). Every case uses its own lock directory and lab dir: no namespace is made and
 * the machine's real lock is never touched, so this file runs beside the real-FRR tests.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireNetnsLock,
  claimNetnsLabForCli,
  netnsCanRun,
  NetnsLockBusyError,
  readLockOwner,
  type NetnsLockOwner,
} from '../../src/lab/netns/index.ts';
import { cli } from '../helpers/cli.ts';

let root = '';
let lockDir = '';
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'routedeck-lock-'));
  lockDir = path.join(root, 'lock');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Another process's hold, written as that process would have. */
async function holdAs(owner: NetnsLockOwner): Promise<void> {
  await mkdir(lockDir);
  await writeFile(path.join(lockDir, 'owner.json'), JSON.stringify(owner));
}

/** A lab dir as `up` leaves it: lab.json marks a lab that exists. */
async function labAt(name: string): Promise<string> {
  const dir = path.join(root, name, 'netns');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'lab.json'), '{"version":1}\n');
  return dir;
}

/** A pid that was alive a moment ago and is not now. */
async function deadPid(): Promise<number> {
  const child = execFile('true');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const since = '2026-12-03T13:02:11.000Z';

describe('the netns lab lock', () => {
  it('a test run holds it under its pid and what it is, and releasing frees it', async () => {
    const release = await acquireNetnsLock(1000, 'test/lab/x-netns.test.ts', { lockDir });
    expect(readLockOwner(lockDir)).toMatchObject({
      kind: 'run',
      pid: process.pid,
      what: 'test/lab/x-netns.test.ts',
    });
    release();
    expect(existsSync(lockDir)).toBe(false);
  });

  it('a test run refuses at once, naming it, while a CLI lab is up, and leaves that lab its lock', async () => {
    const dir = await labAt('cli');
    await holdAs({ kind: 'lab', pid: 999_999, dir, since });
    const error = await acquireNetnsLock(60_000, 'the netns tests', { lockDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetnsLockBusyError);
    expect((error as Error).message).toBe(
      `the netns tests: the netns lab is held by the lab in ${dir} that \`routedeck lab netns up\` started at ` +
        `13:02:11 UTC, which this run would tear down; stop it with \`routedeck lab netns down\` ` +
        `(ROUTEDECK_LAB_DIR=${path.dirname(dir)}) first`,
    );
    expect(readLockOwner(lockDir)).toMatchObject({ kind: 'lab', dir });
  });

  it('a CLI lab whose files are gone no longer holds it', async () => {
    await holdAs({ kind: 'lab', pid: 999_999, dir: path.join(root, 'gone', 'netns'), since });
    const release = await acquireNetnsLock(1000, 'the netns tests', { lockDir });
    expect(readLockOwner(lockDir)).toMatchObject({ kind: 'run', pid: process.pid });
    release();
  });

  it('a dead run is taken over', async () => {
    await holdAs({ kind: 'run', pid: await deadPid(), what: 'a killed run', since });
    const claim = claimNetnsLabForCli(await labAt('a'), 'routedeck lab netns up', { lockDir });
    expect(readLockOwner(lockDir)).toMatchObject({ kind: 'run', pid: process.pid });
    claim.release();
    expect(existsSync(lockDir)).toBe(false);
  });

  it('`up` refuses in one sentence while another live process runs the lab, and changes nothing', async () => {
    const owner: NetnsLockOwner = { kind: 'run', pid: process.ppid, what: 'the netns tests', since };
    await holdAs(owner);
    const before = await readFile(path.join(lockDir, 'owner.json'), 'utf8');
    expect(() =>
      claimNetnsLabForCli(path.join(root, 'x', 'netns'), 'routedeck lab netns up', { lockDir }),
    ).toThrow(
      new NetnsLockBusyError(
        `the netns lab is in use by pid ${process.ppid} (the netns tests) since 13:02:11 UTC; try again when it has finished`,
        owner,
      ),
    );
    expect(await readFile(path.join(lockDir, 'owner.json'), 'utf8')).toBe(before);
  });

  it('`up` keeps the lock as a lab hold; `down` of the same lab takes it over and frees it', async () => {
    const dir = await labAt('mine');
    const up = claimNetnsLabForCli(dir, 'routedeck lab netns up', { lockDir });
    up.keepForLab();
    expect(readLockOwner(lockDir)).toMatchObject({ kind: 'lab', dir, pid: process.pid });
    // Another lab dir is refused: its `up` would tear this lab's namespaces down.
    expect(() =>
      claimNetnsLabForCli(path.join(root, 'other', 'netns'), 'routedeck lab netns up', { lockDir }),
    ).toThrow(
      `the netns lab is already up from ${dir}; stop it with \`routedeck lab netns down\` (ROUTEDECK_LAB_DIR=${path.dirname(dir)}) first`,
    );
    const down = claimNetnsLabForCli(dir, 'routedeck lab netns down', { lockDir });
    expect(down.borrowed).toBe(false);
    down.release();
    expect(existsSync(lockDir)).toBe(false);
  });

  it('a test driving the CLI in its own process works under its own hold, which stays as it was', async () => {
    const release = await acquireNetnsLock(1000, 'the netns tests', { lockDir });
    const claim = claimNetnsLabForCli(await labAt('t'), 'routedeck lab netns up', { lockDir });
    expect(claim.borrowed).toBe(true);
    claim.keepForLab();
    claim.release();
    expect(readLockOwner(lockDir)).toMatchObject({ kind: 'run', pid: process.pid, what: 'the netns tests' });
    release();
  });
});

describe.skipIf(!netnsCanRun().ok)('`routedeck lab netns up|down` while a test run holds the lab', () => {
  it.each(['up', 'down'])(
    '%s is refused with exit 2 and one sentence; the lab and the lock are untouched',
    async (action) => {
      const dir = await labAt('lab');
      await holdAs({ kind: 'run', pid: process.ppid, what: 'the netns tests', since });
      const r = await cli(['lab', 'netns', action], {
        ROUTEDECK_LAB_DIR: path.dirname(dir),
        ROUTEDECK_NETNS_LOCK: lockDir,
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `routedeck: the netns lab is in use by pid ${process.ppid} (the netns tests) since 13:02:11 UTC; ` +
          `try again when it has finished\n`,
      );
      expect(r.stdout).toBe('');
      expect(await readFile(path.join(dir, 'lab.json'), 'utf8')).toBe('{"version":1}\n');
      expect(readLockOwner(lockDir)).toMatchObject({ kind: 'run', pid: process.ppid });
    },
  );
});
