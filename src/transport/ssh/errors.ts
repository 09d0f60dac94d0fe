/**
 * Errors of the SSH transport. Messages are written for the operator reading them in the
 * console: what happened, to which device, and what to do. They never contain secrets (no key
 * material, no passphrases); commands are shown shortened because they are what the operator
 * needs to recognise.
 */
import { knownHostName } from './known-hosts.ts';

/** Where a connection goes; `device` is the inventory name when there is one. */
export interface SshTarget {
  device?: string;
  host: string;
  port: number;
  username?: string;
}

export function targetLabel(t: SshTarget): string {
  const endpoint = t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
  const who = t.username ? `${t.username}@${endpoint}` : endpoint;
  return t.device ? `${t.device} (${who})` : who;
}

/**
 * A command as shown in an error: in backticks, because the commands drivers build are full of
 * single quotes (`vtysh -c 'show bgp summary json'`), and shortened, because the start of a long
 * vtysh script is enough to recognise it.
 */
export function shortCommand(command: string): string {
  const oneLine = command.replace(/\s+/g, ' ').trim();
  return `\`${oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine}\``;
}

export abstract class SshTransportError extends Error {
  /** Stable machine-readable code, for `--json` output and for callers that switch on it. */
  abstract readonly code: string;
  readonly target: SshTarget;
  constructor(target: SshTarget, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.target = target;
  }
}

export interface HostKeyFacts {
  keyType: string;
  fingerprint: string;
  knownHostsFile: string;
}

export class HostKeyUnknownError extends SshTransportError {
  readonly code = 'HOST_KEY_UNKNOWN';
  readonly facts: HostKeyFacts;
  constructor(target: SshTarget, facts: HostKeyFacts) {
    super(
      target,
      `The authenticity of ${targetLabel(target)} can't be established: its host key is not in ` +
        `${facts.knownHostsFile}.\n` +
        `${facts.keyType} key fingerprint is ${facts.fingerprint}.\n` +
        `Check that fingerprint on the device itself (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on ` +
        `its console) and, if it is the same, trust it by answering yes when routedeck asks, or add ` +
        `the key to ${facts.knownHostsFile} as "${knownHostName(target.host, target.port)} ${facts.keyType} <key>".`,
    );
    this.facts = facts;
  }
}

export class HostKeyChangedError extends SshTransportError {
  readonly code = 'HOST_KEY_CHANGED';
  readonly facts: HostKeyFacts & { expectedFingerprints: string[]; line: number };
  constructor(target: SshTarget, facts: HostKeyFacts & { expectedFingerprints: string[]; line: number }) {
    const name = knownHostName(target.host, target.port);
    super(
      target,
      [
        '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
        '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
        '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
        'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
        'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
        'It is also possible that the host key has just been changed (device reinstalled).',
        `The ${facts.keyType} key sent by ${targetLabel(target)} has fingerprint ${facts.fingerprint}.`,
        `Expected (known_hosts): ${facts.expectedFingerprints.join(', ')}.`,
        `Offending key in ${facts.knownHostsFile}:${facts.line}`,
        'routedeck refused the connection. If the change is legitimate, verify the new fingerprint ' +
          `on the device and remove the old entry with: ssh-keygen -R '${name}' -f ${facts.knownHostsFile}`,
      ].join('\n'),
    );
    this.facts = facts;
  }
}

export class HostKeyRevokedError extends SshTransportError {
  readonly code = 'HOST_KEY_REVOKED';
  readonly facts: HostKeyFacts & { line: number };
  constructor(target: SshTarget, facts: HostKeyFacts & { line: number }) {
    super(
      target,
      `REVOKED HOST KEY: ${targetLabel(target)} presented the ${facts.keyType} key ${facts.fingerprint}, ` +
        `which is marked @revoked in ${facts.knownHostsFile}:${facts.line}. routedeck refused the connection; ` +
        'this key must never be accepted again. Find out why the device still uses it.',
    );
    this.facts = facts;
  }
}

export class SshConnectError extends SshTransportError {
  readonly code = 'SSH_CONNECT';
  constructor(target: SshTarget, detail: string, options?: { cause?: unknown }) {
    super(target, `Cannot connect to ${targetLabel(target)}: ${detail}`, options);
  }
}

export class SshAuthError extends SshTransportError {
  readonly code = 'SSH_AUTH';
  constructor(target: SshTarget, detail: string, options?: { cause?: unknown }) {
    super(target, `SSH authentication to ${targetLabel(target)} failed: ${detail}`, options);
  }
}

/** The server refused to open a channel or to run the command (not a limit we could wait out). */
export class SshChannelError extends SshTransportError {
  readonly code = 'SSH_CHANNEL';
  constructor(target: SshTarget, command: string, detail: string, options?: { cause?: unknown }) {
    super(target, `${targetLabel(target)} refused to run ${shortCommand(command)}: ${detail}`, options);
  }
}

export class TransportTimeoutError extends SshTransportError {
  readonly code = 'TIMEOUT';
  readonly timeoutMs: number;
  constructor(target: SshTarget, timeoutMs: number, what: string) {
    super(target, `Timed out after ${timeoutMs} ms ${what} on ${targetLabel(target)}`);
    this.timeoutMs = timeoutMs;
  }
}

export class OutputLimitError extends SshTransportError {
  readonly code = 'OUTPUT_LIMIT';
  readonly maxBytes: number;
  constructor(target: SshTarget, maxBytes: number, command: string) {
    super(
      target,
      `Output of ${shortCommand(command)} on ${targetLabel(target)} exceeded ${maxBytes} bytes; ` +
        'the command was stopped. Narrow the command, or stream it.',
    );
    this.maxBytes = maxBytes;
  }
}

export class ConnectionClosedError extends SshTransportError {
  readonly code = 'CONNECTION_CLOSED';
  constructor(target: SshTarget, detail: string, options?: { cause?: unknown }) {
    super(target, `Connection to ${targetLabel(target)} closed: ${detail}`, options);
  }
}

/** The caller gave up on the command (its `signal` aborted: a poll past its deadline); the channel was closed. */
export class CommandAbortedError extends SshTransportError {
  readonly code = 'ABORTED';
  constructor(target: SshTarget, command: string, reason: string) {
    super(target, `${shortCommand(command)} on ${targetLabel(target)} stopped: ${reason}`);
  }
}
