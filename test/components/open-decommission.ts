import type { Screen } from './harness.ts';

/** What useFlow and the fabric lookups say when they refuse to plan (a device not ok, an apply running). */
export const REFUSAL =
  /[^\n]*(?:refusing to plan|is not polled yet|is unreachable|is degraded|an apply is running|not in the registry)[^\n]*/;

/**
 * `d` on the selected row opens the decommission plan. Right after a device came back or a migration,
 * on a loaded machine, the console may refuse it for a moment and say why on the status line (seen in
 * CI: the plan never opened and the flash was gone by the time the screen was dumped); a user reads
 * that and presses `d` again, and so does this, after a fresh poll. A `d` that neither opens the plan
 * nor says anything fails, and so do three refusals (named).
 */
export async function openDecommission(
  screen: Screen,
  name: string,
  pollNow: () => Promise<unknown>,
): Promise<void> {
  const said: string[] = [];
  for (let attempt = 1; ; attempt++) {
    await pollNow();
    await screen.type('d');
    let refusal = '';
    await screen.waitFor((s) => {
      refusal = REFUSAL.exec(s.text())?.[0] ?? '';
      return s.text().includes(`Type ${name} to apply`) || refusal !== '';
    }, `"Type ${name} to apply" or a refusal on the status line`);
    if (refusal === '' || screen.text().includes(`Type ${name} to apply`)) return;
    said.push(refusal);
    if (attempt === 3) throw new Error(`d was refused three times: ${said.join(' | ')}`);
    await screen.waitFor((s) => !REFUSAL.test(s.text()), 'the refusal to clear');
  }
}
