/**
 * Layout: modules import downward only (issue 18). A circle of static imports — even type-only —
 * means a newcomer cannot change one file without reading the others, and load order decides
 * which side sees `undefined`. Lazy `import()` calls are not static imports and are allowed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(name)) out.push(path.relative(ROOT, p));
  }
  return out;
}

/** Relative static imports and re-exports of each file (`import … from './x.ts'`, `export … from`). */
function importGraph(files: string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = read(file);
    const deps: string[] = [];
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/g))
      deps.push(path.normalize(path.join(path.dirname(file), m[1]!)));
    graph.set(
      file,
      deps.filter((d) => known.has(d)),
    );
  }
  return graph;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('import layout', () => {
  it('finds a circle, type-only or not, and ignores lazy import()', () => {
    const files = ['a.ts', 'b.ts', 'c.ts', 'd.ts'];
    const text: Record<string, string> = {
      'a.ts': "import { b } from './b.ts';\nconst lazy = () => import('./d.ts');",
      'b.ts': "import type {\n  C,\n} from './c.ts';",
      'c.ts': "export { a } from './a.ts';",
      'd.ts': "import { a } from './a.ts';",
    };
    expect(circles(importGraph(files, (f) => text[f]!))).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    text['c.ts'] = "export const c = 'from ./a.ts';";
    expect(circles(importGraph(files, (f) => text[f]!))).toEqual([]);
  });

  it('src/ and components/ have no import circle (shared helpers sit below the files that use them)', () => {
    const files = [...sources(path.join(ROOT, 'src')), ...sources(path.join(ROOT, 'components'))];
    expect(files.length).toBeGreaterThan(100);
    const graph = importGraph(files, (f) => readFileSync(path.join(ROOT, f), 'utf8'));
    // The graph is real: the CLI's command table reaches the commands.
    expect(graph.get(path.normalize('src/cli/main.ts'))?.length ?? 0).toBeGreaterThan(0);
    expect(circles(graph)).toEqual([]);
  });
});
