/**
 * What package.json promises at run time is what the code imports (issue 13 item 14: ink-table and
 * xterm's serialize addon were installed for every user while nothing imported them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNTIME_DIRS = ['src', 'components', 'bin'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx|mjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** `@scope/name` or `name` of every bare import (`node:` built-ins and relative paths left out). */
function importedPackages(): Set<string> {
  const found = new Set<string>();
  for (const file of RUNTIME_DIRS.flatMap(sources)) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm),
      ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
      ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((match) => match[1]);
    for (const specifier of specifiers) {
      if (!specifier || specifier.startsWith('node:') || specifier.startsWith('.')) continue;
      const parts = specifier.split('/');
      found.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return found;
}

describe('runtime dependencies', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const declared = Object.keys(manifest.dependencies).sort();
  const imported = importedPackages();

  it('every dependency is imported by the code a user runs', () => {
    expect(declared.filter((name) => !imported.has(name))).toEqual([]);
  });

  it('everything the code imports is a declared dependency', () => {
    expect([...imported].filter((name) => !declared.includes(name)).sort()).toEqual([]);
  });

  it('ink-table and the serialize addon are gone', () => {
    expect(declared).not.toContain('@alcalzone/ink-table');
    expect(declared).not.toContain('@xterm/addon-serialize');
  });
});
