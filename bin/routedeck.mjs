#!/usr/bin/env -S node --max-semi-space-size=32
// Runs the compiled CLI in dist/ (scripts/build.mjs, run by `npm install`) when every file it was
// built from is unchanged, else the TypeScript sources through tsx with a one-line note: someone
// editing src/ never runs stale JavaScript, and a start never writes into the install. Tests set
// ROUTEDECK_FROM_SOURCE=1 (vitest.config.ts) to always run the sources, quietly.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

// React's development build renders ~1.5× slower; a console is never a React dev session.
process.env.NODE_ENV ??= 'production';
// ink (through is-in-ci) draws only the last frame, at exit, when CI or CONTINUOUS_INTEGRATION is
// set: a console started on a build agent, or by a tool that exports CI, showed a blank screen until
// it quit. Read once when ink loads, so hidden before anything imports it; nothing of ours reads it.
for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (name in process.env) process.env[name] = 'false';
const ROOT = new URL('../', import.meta.url);
const ROOT_DIR = fileURLToPath(ROOT);

/** Why dist/ may not run (absent, or a source changed since the build); null when it may. */
function staleBecause() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL('dist/build-stamp.json', ROOT), 'utf8'));
  } catch {
    return 'no build in dist/';
  }
  if (typeof stamp?.inputs !== 'object' || stamp.inputs === null) return 'no build in dist/';
  // Same mtime and size as when built, not merely older: a checkout can bring back an older file.
  // Plain paths: a URL per file costs ~5 MB of RSS over 300 files.
  for (const [file, [mtimeMs, size]] of Object.entries(stamp.inputs)) {
    const now = statSync(path.join(ROOT_DIR, file), { throwIfNoEntry: false });
    if (!now) return `${file} is gone since the last build`;
    if (now.mtimeMs !== mtimeMs || now.size !== size) return `${file} changed since the last build`;
  }
  return null;
}

const fromSource = process.env.ROUTEDECK_FROM_SOURCE === '1';
const reason = fromSource ? 'ROUTEDECK_FROM_SOURCE=1' : staleBecause();
if (reason === null) {
  await import(new URL('dist/main.js', ROOT).href);
} else {
  if (!fromSource)
    process.stderr.write(
      `routedeck: ${reason}; running the sources through tsx (\`npm run build\` for a fast start)\n`,
    );
  const { register } = await import('tsx/esm/api');
  // tsx looks for tsconfig.json in the current directory; without ours the JSX transform is the
  // classic one and the console dies with "React is not defined" when started from anywhere else.
  register({ tsconfig: path.join(ROOT_DIR, 'tsconfig.json') });
  await import(new URL('src/cli/main.ts', ROOT).href);
}
