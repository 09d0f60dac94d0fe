// Preloaded by test/cli/heap.test.ts (NODE_OPTIONS): says which flags node was started with.
import process from 'node:process';

process.stderr.write(`execArgv ${JSON.stringify(process.execArgv)}\n`);
