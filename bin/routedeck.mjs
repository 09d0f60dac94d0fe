#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so a fresh clone needs no build step.
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { register } from 'tsx/esm/api';

// React's development build renders ~1.5× slower; a console is never a React dev session.
process.env.NODE_ENV ??= 'production';
// tsx looks for tsconfig.json in the current directory; without ours the JSX transform is the
// classic one and the console dies with "React is not defined" when started from anywhere else.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli/main.ts');
