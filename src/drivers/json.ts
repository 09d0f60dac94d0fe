import type { z } from 'zod';
import { describeIssues, ParseError } from './errors.ts';

/** JSON.parse plus a zod schema, every failure as a ParseError (callers add the command). */
export function parseJsonWith<T extends z.ZodType>(schema: T, text: string, what: string): z.infer<T> {
  return validated(schema, parseJsonText(text, what), what);
}

function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const head = text.trimStart().slice(0, 60);
    throw new ParseError(
      `${what} is not JSON (${(err as Error).message}); output starts ${JSON.stringify(head)}`,
    );
  }
}

/** JSON.parse, or undefined for text that is not JSON (a reader that says nothing of bad text). */
export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A value parsed from JSON, checked by a zod schema as parseJsonWith checks it. */
export function validated<T extends z.ZodType>(schema: T, raw: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ParseError(`unexpected ${what}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** A plain check of a parsed JSON value's shape, as fast as `typeof` (see `shape`). */
export type ShapeCheck = (value: unknown) => boolean;

/**
 * Checks that say what a zod schema of `looseObject`s, strings, numbers, booleans, arrays and optional
 * fields says, without zod's cost (3–5 µs a small object: at 1,000 hosts the hosts' first listings spent
 * ~16 s of the console's CPU in it). Each is tested against its schema (test/drivers/shape-checks.test.ts).
 */
export const shape = {
  string: ((v) => typeof v === 'string') as ShapeCheck,
  number: ((v) => typeof v === 'number') as ShapeCheck,
  boolean: ((v) => typeof v === 'boolean') as ShapeCheck,
  optional:
    (check: ShapeCheck): ShapeCheck =>
    (v) =>
      v === undefined || check(v),
  either:
    (...checks: ShapeCheck[]): ShapeCheck =>
    (v) =>
      checks.some((check) => check(v)),
  array:
    (check: ShapeCheck): ShapeCheck =>
    (v) => {
      if (!Array.isArray(v)) return false;
      for (const item of v) if (!check(item)) return false;
      return true;
    },
  /** An object whose every value passes `check` (zod's `record` of string keys). */
  record:
    (check: ShapeCheck): ShapeCheck =>
    (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      for (const key in v) if (!check((v as Record<string, unknown>)[key])) return false;
      return true;
    },
  object: (fields: Record<string, ShapeCheck>): ShapeCheck => {
    const entries = Object.entries(fields);
    return (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      for (const [key, check] of entries) if (!check((v as Record<string, unknown>)[key])) return false;
      return true;
    };
  },
};

/**
 * parseJsonWith where `check` (what `schema` says, as plain checks) answers first: zod runs only to
 * describe what the check refused (or to take what a stricter check refused and the schema accepts).
 */
export function parseJsonChecked<T extends z.ZodType>(
  schema: T,
  check: ShapeCheck,
  text: string,
  what: string,
): z.infer<T> {
  const raw = parseJsonText(text, what);
  return check(raw) ? (raw as z.infer<T>) : validated(schema, raw, what);
}
