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
