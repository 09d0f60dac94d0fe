import type { CST } from 'yaml';

/** Deeper than any inventory needs (devices[].auth.passphrase.file is 5), far below the stack's reach. */
export const MAX_YAML_DEPTH = 64;

/**
 * The deepest nesting in YAML, read from yaml's token stream (a loop, not recursion). yaml's
 * composer recurses per level: at a few thousand levels it overflows the stack, and V8 once died of
 * "RegExpCompiler Allocation failed" there instead of throwing; so depth is measured first.
 */
export function yamlDepth(tokens: readonly CST.Token[]): number {
  let deepest = 0;
  const stack: [CST.Token | undefined, number][] = tokens.map((token) => [token, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_YAML_DEPTH) return deepest;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if ('key' in item) stack.push([item.key ?? undefined, depth + 1]);
        stack.push([item.value, depth + 1]);
      }
    }
  }
  return deepest;
}
