/**
 * Orders objects so that each comes after what it depends on (Kahn's algorithm). Among the objects
 * that are ready, the lowest (priority, name) goes first, which keeps the output stable and close
 * to pg_dump's order. A cycle is broken by taking the best-ranked remaining object.
 */

export interface SortNode {
  key: string;
  priority: number;
  name: string;
}

class MinHeap<T> {
  private items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function ranksBefore(a: SortNode, b: SortNode): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.name < b.name;
}

/** Sorts `nodes`; `edges` are [key, key it depends on]; edges to unknown keys are ignored. */
export function dependencySort<T extends SortNode>(nodes: T[], edges: [string, string][]): T[] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const waitingOn = new Map<string, Set<string>>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) waitingOn.set(n.key, new Set());
  for (const [from, to] of edges) {
    if (from === to || !byKey.has(from) || !byKey.has(to)) continue;
    const set = waitingOn.get(from)!;
    if (set.has(to)) continue;
    set.add(to);
    if (!dependents.has(to)) dependents.set(to, []);
    dependents.get(to)!.push(from);
  }
  const ready = new MinHeap<T>(ranksBefore);
  for (const n of nodes) if (waitingOn.get(n.key)!.size === 0) ready.push(n);
  const out: T[] = [];
  const done = new Set<string>();
  const release = (key: string) => {
    for (const d of dependents.get(key) ?? []) {
      const set = waitingOn.get(d)!;
      set.delete(key);
      if (set.size === 0 && !done.has(d)) ready.push(byKey.get(d)!);
    }
  };
  while (out.length < nodes.length) {
    let next = ready.pop();
    while (next && done.has(next.key)) next = ready.pop();
    if (!next) {
      // a cycle: take the best-ranked object still waiting
      const rest = nodes.filter((n) => !done.has(n.key)).sort((a, b) => (ranksBefore(a, b) ? -1 : 1));
      next = rest[0];
    }
    done.add(next.key);
    out.push(next);
    release(next.key);
  }
  return out;
}

/**
 * Keys of the nodes that sit on a dependency cycle (strongly connected components of two or more
 * nodes, Tarjan's algorithm without recursion); edges to unknown keys are ignored.
 */
export function nodesOnCycles(keys: string[], edges: [string, string][]): Set<string> {
  const known = new Set(keys);
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) {
    if (from === to || !known.has(from) || !known.has(to)) continue;
    if (!next.has(from)) next.set(from, []);
    next.get(from)!.push(to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out = new Set<string>();
  let counter = 0;
  for (const root of keys) {
    if (index.has(root)) continue;
    const work: { key: string; i: number }[] = [{ key: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1];
      const succ = next.get(frame.key) ?? [];
      if (frame.i < succ.length) {
        const w = succ[frame.i++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ key: w, i: 0 });
        } else if (onStack.has(w)) low.set(frame.key, Math.min(low.get(frame.key)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].key;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.key)!));
      }
      if (low.get(frame.key) === index.get(frame.key)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.key);
        if (component.length > 1) for (const k of component) out.add(k);
      }
    }
  }
  return out;
}
