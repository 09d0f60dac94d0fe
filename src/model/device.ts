export type DeviceRole = 'router' | 'hypervisor';
export type DeviceKind = 'frr-linux' | 'vyos';

/** Where a secret comes from. The secret itself is never stored in the inventory or registry. */
export type SecretRef = { env: string } | { file: string };

export type SshAuth =
  { type: 'agent'; socket?: string } | { type: 'key'; path: string; passphrase?: SecretRef };

/** TLS trust for a device's HTTPS API: verified against system CAs, a CA file, or a pinned SHA-256 fingerprint. */
export type TlsTrust = { mode: 'system' } | { mode: 'ca'; caFile: string } | { mode: 'pin'; sha256: string };

export interface VyosApiSpec {
  url: string;
  key: SecretRef;
  tls: TlsTrust;
}

export interface DeviceSpec {
  name: string;
  role: DeviceRole;
  kind: DeviceKind;
  host: string;
  port: number;
  user: string;
  auth: SshAuth;
  /** How FRR's shell is entered on this device: `vtysh`, `sudo vtysh`, `vtysh -N hv1`, `docker exec frr vtysh`. */
  vtysh: string;
  /** Prefix for commands that need root (`ip` changes, `nft`); empty when logged in as root. */
  privilege: string;
  api?: VyosApiSpec;
  /** Fabric-facing interfaces, when the inventory names them. */
  uplinks?: string[];
  /** Set for devices of the embedded lab, so every view can label them as simulated. */
  simulated?: boolean;
}

export type DeviceHealth = 'unknown' | 'ok' | 'degraded' | 'unreachable';
