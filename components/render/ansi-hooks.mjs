// Module resolution hooks (node:module register, see ./fast-ansi.ts): ink's imports of
// @alcalzone/ansi-tokenize and slice-ansi get ./fast-ansi-tokenize.mjs and ./fast-slice-ansi.mjs;
// those modules' own imports resolve as ink's would. Nothing else is touched.
import { URL } from 'node:url';

const FAST = {
  '@alcalzone/ansi-tokenize': new URL('./fast-ansi-tokenize.mjs', import.meta.url).href,
  'slice-ansi': new URL('./fast-slice-ansi.mjs', import.meta.url).href,
};
const OURS = new Set(Object.values(FAST));
let inkParent = null;

export async function resolve(specifier, context, nextResolve) {
  if (context.parentURL) {
    if (Object.hasOwn(FAST, specifier) && context.parentURL.includes('/node_modules/ink/')) {
      inkParent = context.parentURL;
      return { url: FAST[specifier], shortCircuit: true };
    }
    if (OURS.has(context.parentURL) && inkParent)
      return nextResolve(specifier, { ...context, parentURL: inkParent });
  }
  return nextResolve(specifier, context);
}
