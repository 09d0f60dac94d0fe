/**
 * Gives ink a leaner @alcalzone/ansi-tokenize (./fast-ansi-tokenize.mjs): the same frames with a
 * fraction of the garbage (issue 16). Call before ink is first imported — module hooks apply to
 * imports resolved after they are registered; a process that already loaded ink keeps the library.
 */
import { register } from 'node:module';

let registered = false;

export function useFastAnsi(): void {
  if (registered) return;
  registered = true;
  register(new URL('./ansi-hooks.mjs', import.meta.url));
}
