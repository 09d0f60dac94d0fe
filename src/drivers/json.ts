import type { z } from 'zod';
import { describeIssues, ParseError } from './errors.ts';

/** JSON.parse plus a zod schema, every failure as a ParseError (callers add the command). */
export function parseJsonWith<T extends z.ZodType>(schema: T, text: string, what: string): z.infer<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const head = text.trimStart().slice(0, 60);
    throw new ParseError(
      `${what} is not JSON (${(err as Error).message}); output starts ${JSON.stringify(head)}`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ParseError(`unexpected ${what}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}
