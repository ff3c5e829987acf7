/**
 * Timeouts for many short operations on one timer: a per-operation `setTimeout`/`clearTimeout` pair costs a
 * few microseconds on Deno (a node-compatible timer object per call), which shows at thousands of new
 * connections per second, while almost every operation (an upstream connect) finishes long before its limit.
 *
 * @module
 */
import { LiveList, type LiveNode } from "./live_list.ts";

/** A watched operation's deadline and what to do when it passes. */
export interface Expiry {
  /** `Date.now()` past which it expires. */
  readonly at: number;
  /** Called once if the deadline passes first. */
  readonly onExpire: () => void;
}

/** One watched operation; {@linkcode Deadlines.done} it when it finishes. */
export type Watched = LiveNode<Expiry>;

/**
 * Watches operations of one time limit. A single interval timer runs while operations come and expires
 * those past their deadline, so a deadline fires between `ms` and `ms + tick` after `watch()`
 * (`tick` is a twentieth of the limit, between 5 and 100 ms).
 */
export class Deadlines {
  readonly #ms: number;
  readonly #tick: number;
  readonly #live = new LiveList<Expiry>();
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The latest deadline added; while deadlines come in order, a tick stops at the first one in time. */
  #last = 0;
  #ordered = true;

  /** @param ms the time limit of every operation */
  constructor(ms: number) {
    this.#ms = ms;
    this.#tick = Math.min(100, Math.max(5, Math.floor(ms / 20)));
  }

  /** Operations in flight. */
  get size(): number {
    return this.#live.size;
  }

  /** Starts watching; `onExpire` runs once if `done()` is not called within the limit. */
  watch(onExpire: () => void): Watched {
    return this.watchUntil(Date.now() + this.#ms, onExpire);
  }

  /**
   * Starts watching with an explicit deadline (`Date.now()` time, normally at most the limit ahead: a
   * connection's selection deadline counted from its accept).
   */
  watchUntil(at: number, onExpire: () => void): Watched {
    if (at < this.#last) this.#ordered = false;
    else this.#last = at;
    const w = this.#live.add({ at, onExpire });
    this.#timer ??= setInterval(() => this.#expire(), this.#tick);
    return w;
  }

  /**
   * The operation finished (or failed) before its deadline. The timer keeps running until a tick finds
   * nothing in flight, so a steady stream of operations does not create and clear a timer each.
   */
  done(w: Watched): void {
    this.#live.delete(w);
  }

  #expire(): void {
    const now = Date.now();
    if (this.#ordered) {
      // Insertion order is deadline order (one limit for all): stop at the first one still in time.
      for (let w = this.#live.first; w !== null && w.value.at <= now; w = this.#live.first) this.#fire(w);
    } else {
      for (const w of this.#live.nodes()) if (w.value.at <= now) this.#fire(w);
    }
    if (this.#live.size === 0) {
      this.#ordered = true;
      this.#stop();
    }
  }

  /** Expires `w` unless an earlier handler finished it meanwhile. */
  #fire(w: Watched): void {
    if (!this.#live.delete(w)) return;
    try {
      w.value.onExpire();
    } catch { /* an expiry handler must not stop the others */ }
  }

  #stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

const shared = new Map<number, Deadlines>();

/** The shared {@linkcode Deadlines} of one limit (connect timeouts: one timer per distinct limit in use). */
export function deadlinesFor(ms: number): Deadlines {
  let d = shared.get(ms);
  if (d === undefined) shared.set(ms, d = new Deadlines(ms));
  return d;
}
