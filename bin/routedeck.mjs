#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so a fresh clone needs no build step.
import process from 'node:process';
import { register } from 'tsx/esm/api';

// React's development build renders ~1.5× slower; a console is never a React dev session.
process.env.NODE_ENV ??= 'production';
register();
await import('../src/cli/main.ts');
