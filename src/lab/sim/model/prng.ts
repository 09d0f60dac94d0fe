/** mulberry32: tiny, fast and good enough for a lab; the same seed builds the same fabric. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** A locally administered unicast MAC, as the kernel gives veths and taps. */
  mac(): string {
    const bytes = Array.from({ length: 6 }, () => this.int(0, 255));
    bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  }
}
