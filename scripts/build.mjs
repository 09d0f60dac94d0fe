#!/usr/bin/env node
// Compiles the CLI to dist/ (`npm run build`; also npm's `prepare`, so `npm install` builds it), and
// bin/routedeck.mjs then starts without a TypeScript compiler. One ESM bundle, split at every dynamic
// import(): a command loads only its own code. dist/build-stamp.json lists what it was built from,
// with mtimes and sizes; bin/routedeck.mjs runs dist/ only while all of them are unchanged.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = path.join(ROOT, 'dist');
// They shape the output without being bundled: a change to either makes the build stale.
const ALSO_STAMPED = ['tsconfig.json', 'scripts/build.mjs'];
// Loaded from node_modules at run time: native addons (better-sqlite3; ssh2's optional cpu-features
// and crypto binding), and the console's UI stack, which only the console loads. The pure-JS rest
// (zod, yaml, ip-num, zustand) is bundled: resolving their hundreds of files cost ~0.3 s a start.
const EXTERNAL = ['better-sqlite3', 'ssh2', 'cpu-features', 'ink', 'react', 'react/*', '@xterm/headless'];

// A bundled package is stamped by its package.json, which npm rewrites on any change of version:
// the start then stats ~300 files, not ~500.
const stampedAs = (file) => {
  const pkg = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
  return pkg ? `${pkg[1]}/package.json` : file;
};

const statOf = (file) => {
  const { mtimeMs, size } = statSync(file);
  return [mtimeMs, size];
};

/**
 * Stats each source before reading it (an edit made while the build runs leaves the build stale), and
 * keeps import.meta.url meaning the source file: every chunk lands in dist/ itself, so that is
 * `../<source path>` from any of them, and the lab still finds .lab/ and fixtures/ in the checkout.
 */
function sourcesPlugin(seen) {
  return {
    name: 'routedeck-sources',
    setup(b) {
      b.onLoad({ filter: /\.tsx?$/ }, async (args) => {
        seen.set(args.path, statOf(args.path));
        const text = await readFile(args.path, 'utf8');
        const loader = args.path.endsWith('x') ? 'tsx' : 'ts';
        if (!text.includes('import.meta.url')) return { contents: text, loader };
        const relative = path.relative(DIST, args.path).split(path.sep).join('/');
        const own = `new URL(${JSON.stringify(relative)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', own), loader };
      });
    },
  };
}

async function main() {
  // The stamp goes first and comes back last: a failed or interrupted build is never run.
  await rm(DIST, { recursive: true, force: true });
  const seen = new Map(ALSO_STAMPED.map((file) => [path.join(ROOT, file), statOf(path.join(ROOT, file))]));
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    tsconfig: 'tsconfig.json',
    jsx: 'automatic',
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    // Bundled CommonJS packages (yaml, ip-num) require() Node's builtins; ESM has no require of its own.
    banner: {
      js: "import { createRequire as __routedeckRequire } from 'node:module'; const require = __routedeckRequire(import.meta.url);",
    },
    plugins: [sourcesPlugin(seen)],
  });
  for (const file of Object.keys(result.metafile.outputs)) {
    if (path.dirname(path.resolve(ROOT, file)) !== DIST)
      throw new Error(`build: ${file} is not directly in dist/`);
  }
  if (process.env['ROUTEDECK_BUILD_META'])
    await writeFile(process.env['ROUTEDECK_BUILD_META'], JSON.stringify(result.metafile));
  const sources = Object.keys(result.metafile.inputs);
  const inputs = {};
  for (const file of new Set([...sources, ...ALSO_STAMPED].map(stampedAs))) {
    const full = path.join(ROOT, file);
    inputs[file] = seen.get(full) ?? statOf(full);
  }
  await writeFile(path.join(DIST, 'build-stamp.json'), JSON.stringify({ inputs }) + '\n');
  const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length;
  process.stdout.write(`routedeck: built dist/ (${files} files from ${sources.length} sources)\n`);
}

await main();
