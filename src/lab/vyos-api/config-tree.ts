import { classifyPath } from './schema-hints.ts';

/** The `/retrieve showConfig` JSON shape ([vyos1x-config] `config_tree.ml` JSONRenderer). */
export interface ConfigJson {
  [name: string]: ConfigJson | string | string[];
}

interface LeafNode {
  kind: 'leaf';
  values: string[];
  multi: boolean;
  comment?: string;
}
interface InnerNode {
  kind: 'node';
  children: Map<string, TreeNode>;
  comment?: string;
}
type TreeNode = LeafNode | InnerNode;

/** A failed CLI operation; `message` is the text VyOS itself prints (the API returns it verbatim in a 400). */
export class ConfigCliError extends Error {
  override name = 'ConfigCliError';
}

const newNode = (): InnerNode => ({ kind: 'node', children: new Map() });
const notValid = (path: readonly string[]): ConfigCliError =>
  new ConfigCliError(`Configuration path: [${path.join(' ')}] is not valid`);

function cloneNode(node: TreeNode): TreeNode {
  if (node.kind === 'leaf') return { ...node, values: [...node.values] };
  const children = new Map<string, TreeNode>();
  for (const [name, child] of node.children) children.set(name, cloneNode(child));
  return { ...node, children };
}

/**
 * A VyOS configuration tree without a schema. Tag nodes and plain nodes are both inner nodes
 * (they render identically in JSON and in `set` commands); leaves hold their values and know
 * whether they are multi-valued. Which trailing word is a value is decided by
 * {@link classifyPath} when the caller did not pass `value` separately.
 */
export class ConfigTree {
  #root: InnerNode;

  constructor(root?: InnerNode) {
    this.#root = root ?? newNode();
  }

  /** Builds a tree from showConfig-style JSON: string → leaf, list → multi leaf, object → node. */
  static fromJson(json: ConfigJson): ConfigTree {
    const build = (obj: ConfigJson, path: string[]): InnerNode => {
      const node = newNode();
      for (const [name, v] of Object.entries(obj)) {
        const here = [...path, name];
        if (typeof v === 'string') node.children.set(name, leaf([v], classifyPath(here) === 'multi'));
        else if (Array.isArray(v)) node.children.set(name, leaf(v.map(String), true));
        else node.children.set(name, build(v, here));
      }
      return node;
    };
    return new ConfigTree(build(json, []));
  }

  clone(): ConfigTree {
    return new ConfigTree(cloneNode(this.#root) as InnerNode);
  }

  get isEmpty(): boolean {
    return this.#root.children.size === 0;
  }

  /** `set <path> [value]`: creates nodes, sets a single-value leaf, or adds to a multi-value leaf. */
  set(path: readonly string[], value?: string): void {
    const full = value === undefined ? [...path] : [...path, value];
    if (full.length === 0) throw notValid(full);
    const leafPath = full.slice(0, -1);
    const last = full[full.length - 1] as string;
    if (full.length >= 2 && this.#isValuePosition(leafPath, value !== undefined)) {
      const parent = this.#walkCreate(leafPath.slice(0, -1));
      const name = leafPath[leafPath.length - 1] as string;
      const existing = parent.children.get(name);
      if (existing?.kind === 'leaf') {
        if (!existing.multi) existing.values = [last];
        else if (!existing.values.includes(last)) existing.values.push(last);
      } else {
        parent.children.set(name, leaf([last], classifyPath(leafPath) === 'multi'));
      }
      return;
    }
    const parent = this.#walkCreate(leafPath);
    const existing = parent.children.get(last);
    if (existing?.kind === 'leaf') {
      throw new ConfigCliError(`Configuration path: [${full.join(' ')}] requires a value`);
    }
    if (!existing) parent.children.set(last, newNode());
  }

  /** `delete <path> [value]`; returns false when nothing matched. Emptied parent nodes are pruned. */
  delete(path: readonly string[], value?: string): boolean {
    const full = value === undefined ? [...path] : [...path, value];
    if (full.length === 0) {
      const had = !this.isEmpty;
      this.#root = newNode();
      return had;
    }
    const leafPath = full.slice(0, -1);
    const last = full[full.length - 1] as string;
    const holder = this.#find(leafPath);
    if (holder?.kind === 'leaf') {
      if (!holder.values.includes(last)) return false;
      holder.values = holder.values.filter((v) => v !== last);
      if (holder.values.length === 0) this.#removeAndPrune(leafPath);
      return true;
    }
    if (!this.#find(full)) return false;
    this.#removeAndPrune(full);
    return true;
  }

  /** True for an existing node or leaf, or for `<leaf path> <value>` when the leaf holds that value. */
  exists(path: readonly string[]): boolean {
    if (this.#find(path)) return true;
    const holder = this.#find(path.slice(0, -1));
    return (
      path.length > 0 && holder?.kind === 'leaf' && holder.values.includes(path[path.length - 1] as string)
    );
  }

  /** Like `Config.return_value`: null for a missing path or a non-leaf. */
  returnValue(path: readonly string[]): string | null {
    const node = this.#find(path);
    return node?.kind === 'leaf' ? (node.values[0] ?? null) : null;
  }

  returnValues(path: readonly string[]): string[] {
    const node = this.#find(path);
    return node?.kind === 'leaf' ? [...node.values] : [];
  }

  comment(path: readonly string[], text: string): void {
    const node = this.#find(path);
    if (!node) throw new ConfigCliError(`Configuration path: [${path.join(' ')}] does not exist`);
    if (text === '') delete node.comment;
    else node.comment = text;
  }

  /** The JSON under `path`, or undefined when the path is missing, a leaf, or has no children. */
  showConfig(path: readonly string[] = []): ConfigJson | undefined {
    const node = this.#find(path);
    if (!node || node.kind === 'leaf' || node.children.size === 0) return undefined;
    return render(node);
  }

  /** `show configuration commands`: one `set` line per leaf value or childless node, values quoted. */
  toCommands(): string[] {
    const lines: string[] = [];
    const walk = (node: InnerNode, prefix: string): void => {
      for (const [name, child] of node.children) {
        const here = prefix ? `${prefix} ${name}` : name;
        if (child.kind === 'leaf') for (const v of child.values) lines.push(`set ${here} '${v}'`);
        else if (child.children.size === 0) lines.push(`set ${here}`);
        else walk(child, here);
      }
    };
    walk(this.#root, '');
    return lines;
  }

  #isValuePosition(leafPath: readonly string[], explicitValue: boolean): boolean {
    const holder = this.#find(leafPath);
    if (holder?.kind === 'leaf') return true;
    if (holder && holder.children.size > 0) return false;
    const hint = classifyPath(leafPath);
    // An explicit `value` is a leaf value unless the schema hint says the word is a tag node.
    return explicitValue ? hint !== 'node' : hint === 'leaf' || hint === 'multi';
  }

  #find(path: readonly string[]): TreeNode | undefined {
    let node: TreeNode = this.#root;
    for (const word of path) {
      if (node.kind === 'leaf') return undefined;
      const next: TreeNode | undefined = node.children.get(word);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  #walkCreate(path: readonly string[]): InnerNode {
    let node = this.#root;
    for (const [i, word] of path.entries()) {
      let next = node.children.get(word);
      if (next?.kind === 'leaf') throw notValid(path.slice(0, i + 2));
      if (!next) {
        next = newNode();
        node.children.set(word, next);
      }
      node = next;
    }
    return node;
  }

  #removeAndPrune(path: readonly string[]): void {
    for (let depth = path.length; depth > 0; depth--) {
      const parent = this.#find(path.slice(0, depth - 1));
      if (parent?.kind !== 'node') return;
      const name = path[depth - 1] as string;
      const child = parent.children.get(name);
      // The target itself goes; ancestors go only once they are left empty.
      if (depth === path.length || (child?.kind === 'node' && child.children.size === 0)) {
        parent.children.delete(name);
      } else return;
    }
  }
}

function leaf(values: string[], multi: boolean): LeafNode {
  return { kind: 'leaf', values, multi };
}

function render(node: InnerNode): ConfigJson {
  const out: ConfigJson = {};
  for (const [name, child] of node.children) {
    // VyOS quirk: a multi-value leaf holding one value renders as a string, not a 1-element list.
    if (child.kind === 'leaf')
      out[name] = child.values.length === 1 ? (child.values[0] as string) : [...child.values];
    else out[name] = render(child);
  }
  return out;
}
