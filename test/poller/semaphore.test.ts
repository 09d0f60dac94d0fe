import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/poller/semaphore.ts';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('poll slots', () => {
  it('a router poll queued after many host polls gets the next free slot; the limit holds exactly', async () => {
    const semaphore = new Semaphore(2);
    const order: string[] = [];
    let active = 0;
    let peak = 0;
    const gates = new Map<string, ReturnType<typeof gate>>();
    const job = (name: string, priority: number) => {
      const g = gate();
      gates.set(name, g);
      return semaphore.run(async () => {
        order.push(name);
        peak = Math.max(peak, ++active);
        await g.opened;
        active--;
      }, priority);
    };
    const all = [job('hv1', 1), job('hv2', 1), job('hv3', 1), job('hv4', 1), job('hv5', 1)];
    all.push(job('rtr1', 0));
    expect(semaphore.queued).toBe(4);
    gates.get('hv1')!.open();
    await new Promise((resolve) => setTimeout(resolve, 0));
    // A new caller arriving while the slot is handed over does not get a third slot.
    all.push(job('hv6', 1));
    for (const name of ['hv2', 'rtr1', 'hv3', 'hv4', 'hv5', 'hv6']) {
      gates.get(name)!.open();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await Promise.all(all);
    expect(order.slice(0, 3)).toEqual(['hv1', 'hv2', 'rtr1']);
    expect(order.slice(3)).toEqual(['hv3', 'hv4', 'hv5', 'hv6']);
    expect(peak).toBe(2);
    expect(semaphore.queued).toBe(0);
  });
});

describe('how many polls run at once by default', () => {
  it('16 for a lab, one per 16 devices for a fleet, never more than 64', async () => {
    const { defaultConcurrency } = await import('../../src/poller/poller.ts');
    expect(defaultConcurrency(4)).toBe(16);
    expect(defaultConcurrency(1004)).toBe(63);
    expect(defaultConcurrency(20_000)).toBe(64);
  });
});
