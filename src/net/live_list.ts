/**
 * A list of the things in flight (open connections, pending deadlines) with O(1) add and delete, for sets
 * whose members come and go thousands of times a second.
 *
 * Why not a `Set`: on Bun (JavaScriptCore, measured on 1.4.5) a `Set` or `Map` whose members are added and
 * deleted at that rate keeps removed members reachable until its table is rebuilt, so short-lived objects
 * survive the young-generation collections and every other collection becomes a full one. 2 million
 * add/delete rounds over 32 live objects ran 272 full collections with a `Set` or `Map` and 2 with this list
 * (`BUN_JSC_logGC=1`; `bench/README.md`). V8 shows no difference between a `Set` and no container.
 *
 * @module
 */

/** A member's place in a {@linkcode LiveList}; give it back to {@linkcode LiveList.delete}. */
export class LiveNode<T> {
  /** The member. */
  readonly value: T;
  /** @internal */
  prev: LiveNode<T> | null = null;
  /** @internal */
  next: LiveNode<T> | null = null;
  /** @internal */
  linked = true;

  /** @internal Made by {@linkcode LiveList.add}. */
  constructor(value: T) {
    this.value = value;
  }
}

/**
 * Members in insertion order. Iteration goes over the members there were when it started, so callers may
 * delete (or close, which deletes) while iterating.
 *
 * @example
 * ```ts
 * const open = new LiveList<string>();
 * const node = open.add("conn 1");
 * open.delete(node); // O(1), idempotent
 * ```
 */
export class LiveList<T> implements Iterable<T> {
  #head: LiveNode<T> | null = null;
  #tail: LiveNode<T> | null = null;
  #size = 0;

  /** Number of members. */
  get size(): number {
    return this.#size;
  }

  /** Appends `value`; returns its node for {@linkcode LiveList.delete}. */
  add(value: T): LiveNode<T> {
    const node = new LiveNode(value);
    const tail = this.#tail;
    if (tail === null) this.#head = node;
    else {
      tail.next = node;
      node.prev = tail;
    }
    this.#tail = node;
    this.#size++;
    return node;
  }

  /** The oldest member's node, or `null`. */
  get first(): LiveNode<T> | null {
    return this.#head;
  }

  /**
   * Removes the member of `node`; false when it was removed already. Links are cleared both ways, so a
   * removed node holds nothing and nothing holds it.
   */
  delete(node: LiveNode<T>): boolean {
    if (!node.linked) return false;
    node.linked = false;
    const { prev, next } = node;
    if (prev === null) this.#head = next;
    else prev.next = next;
    if (next === null) this.#tail = prev;
    else next.prev = prev;
    node.prev = null;
    node.next = null;
    this.#size--;
    return true;
  }

  /** The nodes now, oldest first (a copy: deleting while going through it is safe). */
  nodes(): LiveNode<T>[] {
    const all: LiveNode<T>[] = [];
    for (let node = this.#head; node !== null; node = node.next) all.push(node);
    return all;
  }

  /** The members now, oldest first (from a copy, like {@linkcode LiveList.nodes}). */
  [Symbol.iterator](): Iterator<T> {
    return this.nodes().map((node) => node.value)[Symbol.iterator]();
  }
}
