/** Every registry failure a caller may want to show to an operator is one of these, with a readable message. */
export class RegistryError extends Error {
  override name = 'RegistryError';
}

/** A row that no longer matches its schema (hand-edited file, bug in an older version, disk damage). */
export class RegistryCorruptError extends RegistryError {
  override name = 'RegistryCorruptError';
  constructor(
    readonly table: string,
    readonly key: string,
    detail: string,
  ) {
    super(`registry table "${table}", row ${key}: corrupt (${detail})`);
  }
}

export class UnknownTenantError extends RegistryError {
  override name = 'UnknownTenantError';
  constructor(readonly tenant: string) {
    super(`unknown tenant "${tenant}"`);
  }
}

export class UnknownWorkloadError extends RegistryError {
  override name = 'UnknownWorkloadError';
  constructor(readonly workload: string) {
    super(`unknown workload "${workload}"`);
  }
}

export class UnknownPlanError extends RegistryError {
  override name = 'UnknownPlanError';
  constructor(readonly planId: string) {
    super(`unknown plan "${planId}"`);
  }
}

export class AllocationConflictError extends RegistryError {
  override name = 'AllocationConflictError';
  constructor(
    readonly vrf: string,
    readonly address: string,
    readonly heldBy: { tenant: string; workload: string },
  ) {
    super(
      `${address} in VRF "${vrf}" is already allocated to workload "${heldBy.workload}" (tenant "${heldBy.tenant}")`,
    );
  }
}

export interface LeaseHolder {
  /** Which console instance (a per-process id chosen by the caller). */
  console: string;
  operator: string;
  pid: number;
  host: string;
}

export class LeaseHeldError extends RegistryError {
  override name = 'LeaseHeldError';
  constructor(
    readonly workload: string,
    readonly planId: string,
    readonly holder: LeaseHolder,
    readonly since: Date,
    /** When it lapses if its console stops heartbeating (absent: it lapses when its pid dies). */
    readonly lapsesAt?: Date,
  ) {
    super(
      `workload "${workload}" is leased by plan ${planId}: operator ${holder.operator} on console ${holder.console} ` +
        `(pid ${holder.pid} on ${holder.host}) since ${since.toISOString()}` +
        (lapsesAt ? `; it lapses at ${lapsesAt.toISOString()} unless that console is still running` : ''),
    );
  }
}

/**
 * An existing registry file that cannot be trusted (empty, not SQLite, damaged, not ours): refused
 * whole, never re-created or repaired in place — it holds the plans, audit log and workloads.
 */
export class RegistryDamagedError extends RegistryError {
  override name = 'RegistryDamagedError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(
      `registry ${path} ${problem}; routedeck never re-creates or repairs an existing registry: ` +
        'restore it from a backup, or move it aside to start an empty one',
    );
  }
}

/** The shared registry (PostgreSQL) cannot be reached or did not answer: nothing may be planned or applied. */
export class RegistryUnavailableError extends RegistryError {
  override name = 'RegistryUnavailableError';
  constructor(
    /** The URL without its password. */
    readonly location: string,
    readonly reason: string,
  ) {
    super(`registry ${location} is unreachable (${reason})`);
  }
}

/** A registry argument that is neither a usable file path nor a known URL; nothing was created. */
export class RegistryLocationError extends RegistryError {
  override name = 'RegistryLocationError';
}

/** An error PostgreSQL reported for one statement (its SQLSTATE in `code`). */
export class RegistrySqlError extends RegistryError {
  override name = 'RegistrySqlError';
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(`PostgreSQL: ${message}${code ? ` (SQLSTATE ${code})` : ''}`);
  }
}
