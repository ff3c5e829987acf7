/**
 * The `closed` promise of a {@linkcode Conn}, made only when someone asks for it: the relay never does, so a
 * relayed connection saves a promise and its resolver. Shared by the Deno and Bun socket adapters.
 *
 * @module
 */
import type { Conn } from "./types.ts";

/** Base class of a connection whose `closed` settles once {@linkcode ClosedOnce.markClosed} is called. */
export class ClosedOnce implements Pick<Conn, "closed"> {
  #closed: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  #isDone = false;

  /** Resolves once the connection is closed (see `Conn.closed`). Never rejects. */
  get closed(): Promise<void> {
    if (this.#closed === undefined) {
      if (this.#isDone) this.#closed = Promise.resolve();
      else {
        const { promise, resolve } = Promise.withResolvers<void>();
        this.#closed = promise;
        this.#resolve = resolve;
      }
    }
    return this.#closed;
  }

  /** Settles `closed` (now, or at once when it is first asked for); later calls do nothing. */
  protected markClosed(): void {
    this.#isDone = true;
    this.#resolve?.();
  }
}
