// Writes the README's benchmark tables from what `npm run bench` measured (bench/out/results.json),
// so the figures in the README are the last run's, never typed by hand:
//   npm run bench -- migration && npm run bench:readme      (or: node scripts/bench-readme.mjs [results.json])
// Each table sits between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; a part absent from the
// results leaves its table as it is. Exit 2 with the reason when the results or markers are missing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const README = process.env.ROUTEDECK_README ?? `${ROOT}README.md`;
const RESULTS = process.argv[2] ?? `${ROOT}bench/out/results.json`;

const num = (n) => (Number.isInteger(n) || n >= 10 ? n.toFixed(0) : n.toFixed(1));
const spread = (s) => `${num(s.median)} (${num(s.min)}–${num(s.max)})`;
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** The migration table (bench/migration.ts): median (min–max) over the runs, per mode. */
function migrationTable(b) {
  const mbb = b.modes['make-before-break'];
  const bbm = b.modes['break-before-make'];
  const router = (mode, key, field) => mode.routers[key]?.[field]?.median;
  const pair = (mode, a, b2, field) => `${num(router(mode, a, field))} / ${num(router(mode, b2, field))} ms`;
  const date = b.date.slice(0, 10);
  const { cpu, cores, node } = b.machine;
  return [
    `Migrating a workload hv1 ⇄ hv2 on the real-FRR lab (plans executed over SSH, ping every ${b.pingIntervalMs} ms`,
    `from hv3; ${mbb.runs} runs a mode, median (min–max); ${date}, ${cpu}, ${cores} cores, Node ${node.replace(/^v/, '')}):`,
    '',
    '| | make-before-break | break-before-make |',
    '|---|---|---|',
    `| packets lost | **${num(mbb.lost.median)}** (${num(mbb.lost.min)}–${num(mbb.lost.max)}) | ${spread(bbm.lost)} |`,
    `| largest gap between replies | ${spread(mbb.maxGapMs)} ms | ${spread(bbm.maxGapMs)} ms |`,
    `| rtr1 / rtr2 use the target (kernel FIB), IPv4, from the announcing step's start | ${pair(mbb, 'rtr1 v4', 'rtr2 v4', 'fibMs')} | ${pair(bbm, 'rtr1 v4', 'rtr2 v4', 'fibMs')} |`,
    `| the same from the hypervisor's \`ip route add\` (FRR alone), IPv4 / IPv6 | ${pair(mbb, 'rtr1 v4', 'rtr1 v6', 'fibAfterCommandMs')} | ${pair(bbm, 'rtr1 v4', 'rtr1 v6', 'fibAfterCommandMs')} |`,
    `| plan duration | ${seconds(mbb.planMs.median)} | ${seconds(bbm.planMs.median)} |`,
  ].join('\n');
}

const TABLES = { migration: migrationTable };

/** README text with each table whose part is in `results` rewritten between its markers. */
export function updateReadme(readme, results) {
  let text = readme;
  const written = [];
  for (const [name, render] of Object.entries(TABLES)) {
    const part = results[name];
    if (!part || 'skipped' in part) continue;
    const open = `<!-- bench:${name} -->`;
    const close = `<!-- /bench:${name} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README has no ${open} … ${close} markers`);
    text = `${text.slice(0, start + open.length)}\n${render(part)}\n${text.slice(end)}`;
    written.push(name);
  }
  return { text, written };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!existsSync(RESULTS)) {
    process.stderr.write(`bench-readme: no ${RESULTS}; run \`npm run bench\` (or a part of it) first\n`);
    process.exit(2);
  }
  try {
    const { text, written } = updateReadme(
      readFileSync(README, 'utf8'),
      JSON.parse(readFileSync(RESULTS, 'utf8')),
    );
    writeFileSync(README, text);
    process.stdout.write(
      written.length > 0
        ? `README: wrote ${written.join(', ')} from ${RESULTS}\n`
        : `README: nothing in ${RESULTS} to write\n`,
    );
  } catch (error) {
    process.stderr.write(`bench-readme: ${error.message}\n`);
    process.exit(2);
  }
}
