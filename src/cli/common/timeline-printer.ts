/** `routedeck apply`'s running output: each step, its commands' exit codes, each router converging. */
import { safeText } from '../../model/text.ts';
import type { ExecEvent, ExecResult } from '../../workflows/execute/index.ts';

/** Lines as the plan runs: steps with their commands, verification per router, rollbacks. */
export class TimelinePrinter {
  private start = 0;
  private steps = new Map<string, number>();
  private converged = new Set<string>();
  constructor(private readonly out: NodeJS.WritableStream) {}

  private at(t: number): string {
    return `+${((t - this.start) / 1000).toFixed(3)}s`.padStart(9);
  }

  event(e: ExecEvent): void {
    // Errors and commands carry the device's own text (a `% …` reply): escaped, one line each.
    const w = (line: string) => this.out.write(`${safeText(line)}\n`);
    switch (e.type) {
      case 'start':
        this.start = e.at;
        w(`${this.at(e.at)} plan ${e.planId} started`);
        break;
      case 'step-start':
        this.steps.set(e.step, e.at);
        w(`${this.at(e.at)} step ${e.step} on ${e.device}`);
        break;
      case 'command':
        w(`${' '.repeat(9)}   $ ${e.command}  → ${e.code === null ? 'no answer' : `exit ${e.code}`}`);
        break;
      case 'verify-progress': {
        const key = `${e.step}|${e.router}|${e.prefix}`;
        if (e.satisfied && !this.converged.has(key)) {
          this.converged.add(key);
          const since = e.at - (this.steps.get(e.step) ?? e.at);
          w(`${this.at(e.at)}   ${e.router}: ${e.prefix} ✓ (${since} ms after the step started)`);
        }
        break;
      }
      case 'step-done': {
        const took = e.at - (this.steps.get(e.step) ?? e.at);
        w(
          `${this.at(e.at)} step ${e.step} ${e.outcome} (${took} ms)${e.error ? `: ${e.error}` : ''}` +
            `${e.already ? ` (${e.already})` : ''}`,
        );
        break;
      }
      case 'rollback-start':
        w(`${this.at(e.at)} rollback ${e.step} on ${e.device}`);
        break;
      case 'rollback-retry':
        w(
          `${this.at(e.at)} rollback ${e.step} on ${e.device} retrying (attempt ${e.attempt} in ${e.delayMs} ms): ${e.error}`,
        );
        break;
      case 'rollback-done':
        w(
          `${this.at(e.at)} rollback ${e.step} ${e.outcome}${e.error ? `: ${e.error}` : ''}` +
            `${e.already ? ` (${e.already})` : ''}`,
        );
        break;
      case 'done':
        w(`${this.at(e.at)} ${e.status}`);
        break;
    }
  }

  summary(result: ExecResult, state: string | null): void {
    const byRouter = new Map<string, number>();
    for (const c of result.convergence) {
      const since = c.at - this.start;
      byRouter.set(c.router, Math.max(byRouter.get(c.router) ?? 0, since));
    }
    const routers = safeText([...byRouter].map(([r, ms]) => `${r} +${ms} ms`).join(', '));
    // A plan that did not apply always says why, and a failed one the command that gets out of it.
    const reason = result.status !== 'applied' && result.reason ? `\nReason: ${safeText(result.reason)}` : '';
    const next = result.status === 'failed' && result.next ? `\nNext: ${safeText(result.next)}` : '';
    this.out.write(
      `\nResult: ${result.status}.${state !== null ? ` Workload is now ${state} in the registry.` : ''}` +
        `${reason}${next}` +
        `${routers ? `\nLast router convergence since plan start: ${routers}` : ''}\n`,
    );
  }
}
