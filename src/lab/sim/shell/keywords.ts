/**
 * vtysh accepts any unambiguous prefix of a keyword (`sh ip ro`, `conf t`). A cursor over the
 * words of one command line that matches keywords that way and reads typed arguments.
 */
export class NoMatch extends Error {}

export class Words {
  private i = 0;

  constructor(readonly words: string[]) {}

  get done(): boolean {
    return this.i >= this.words.length;
  }

  peek(): string | undefined {
    return this.words[this.i];
  }

  /** The keyword from `choices` that the next word abbreviates, consuming it; undefined if none. */
  opt(...choices: string[]): string | undefined {
    const w = this.words[this.i];
    if (w === undefined) return undefined;
    const exact = choices.find((c) => c === w);
    const hits = exact ? [exact] : choices.filter((c) => c.startsWith(w.toLowerCase()));
    if (hits.length !== 1) return undefined;
    this.i++;
    return hits[0];
  }

  /** Like opt, but the keyword is required. */
  kw(...choices: string[]): string {
    const hit = this.opt(...choices);
    if (hit === undefined) throw new NoMatch();
    return hit;
  }

  /** Any word (a name, a number, a prefix): required. */
  arg(test?: RegExp): string {
    const w = this.words[this.i];
    if (w === undefined || (test && !test.test(w))) throw new NoMatch();
    this.i++;
    return w;
  }

  /** The rest of the line. */
  rest(): string[] {
    const r = this.words.slice(this.i);
    this.i = this.words.length;
    return r;
  }

  end(): void {
    if (!this.done) throw new NoMatch();
  }
}

export const V4_PREFIX = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
export const V6_PREFIX = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*\/\d{1,3}$/;
export const V4_ADDR = /^\d{1,3}(\.\d{1,3}){3}$/;
export const V6_ADDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;
export const NUMBER = /^\d+$/;
