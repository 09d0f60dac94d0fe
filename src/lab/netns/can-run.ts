import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN } from './exec.ts';

const REQUIRED = [
  path.join(BIN.frrDir, 'zebra'),
  path.join(BIN.frrDir, 'bgpd'),
  path.join(BIN.frrDir, 'staticd'),
  BIN.vtysh,
  BIN.sshd,
  BIN.sshKeygen,
  BIN.ip,
  BIN.sysctl,
  BIN.nft,
];

/** Whether this machine can host the namespace lab: root on Linux with FRR, OpenSSH and iproute2. */
export function netnsCanRun(): { ok: boolean; reason?: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root (network namespaces, FRR, sshd)' };
  const missing = REQUIRED.filter((file) => {
    try {
      accessSync(file, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `missing ${missing.join(', ')} (apt-get install frr openssh-server nftables iproute2)`,
    };
  }
  try {
    // FRR daemons drop privileges to this user; without it they exit at once.
    if (!/^frr:/m.test(readFileSync('/etc/passwd', 'utf8'))) return { ok: false, reason: 'no frr user' };
  } catch {
    return { ok: false, reason: 'cannot read /etc/passwd' };
  }
  return { ok: true };
}
