// Module resolution hooks (node:module register, see ./fast-ansi.ts): ink's import of
// @alcalzone/ansi-tokenize gets ./fast-ansi-tokenize.mjs; that module's own import of the library
// resolves as ink's would. Nothing else is touched.
import { URL } from 'node:url';

const FAST = new URL('./fast-ansi-tokenize.mjs', import.meta.url).href;
const LIBRARY = '@alcalzone/ansi-tokenize';
let inkParent = null;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === LIBRARY && context.parentURL) {
    if (context.parentURL.includes('/node_modules/ink/')) {
      inkParent = context.parentURL;
      return { url: FAST, shortCircuit: true };
    }
    if (context.parentURL === FAST && inkParent)
      return nextResolve(specifier, { ...context, parentURL: inkParent });
  }
  return nextResolve(specifier, context);
}
