/**
 * Bidirectional relay (SPEC §4.5): two read→write pumps with backpressure (each awaits the write before the
 * next read, so memory per connection is bounded by the adapters' buffers), half-close honoured, errors on one
 * side close both, optional idle timeout.
 *
 * @module
 */
import type { Conn, SpliceStats } from "../net/types.ts";
import type { ConnContext } from "./backend.ts";

/** Options for {@linkcode relay}. */
export interface RelayOptions {
  /** Close both sides after this many ms without traffic either way. @default undefined (none) */
  idleTimeout?: number;
  /** Aborting closes both sides (shutdown, forced backend removal). */
  signal?: AbortSignal;
  /**
   * The routed connection: aborting it closes both sides, like `signal`. Its `onAbort` is used when it has
   * one, so the router never has to make an `AbortSignal` for the relay.
   */
  context?: Pick<ConnContext, "signal" | "onAbort">;
}

/** What a finished relay reports. */
export interface RelayResult {
  /** Bytes copied client → upstream. */
  clientToUpstream: number;
  /** Bytes copied upstream → client. */
  upstreamToClient: number;
  /** Who ended it: `client`, `upstream`, `error`, `idle`, `aborted`. */
  reason: string;
}

/**
 * Relays until both directions end. Never rejects; both connections are closed when it resolves.
 * {@linkcode startRelay} is the same relay with a callback at its end instead of a promise.
 */
export function relay(client: Conn, upstream: Conn, options: RelayOptions = {}): Promise<RelayResult> {
  return new Promise((resolve) => startRelay(client, upstream, options, resolve));
}

/**
 * Starts relaying and calls `onEnd` once, when both directions have ended; both connections are closed by
 * then. Never throws for a connection's fault.
 *
 * When the client connection can splice to the upstream (two native sockets of the same runtime, see
 * `Conn.splice`), the adapter copies with no promise per chunk and calls back at its end, so a spliced relay
 * costs no promise at all; otherwise two read→write pumps run, one promise pair per chunk and no per-chunk
 * allocation of their own.
 */
export function startRelay(
  client: Conn,
  upstream: Conn,
  options: RelayOptions,
  onEnd: (result: RelayResult) => void,
): void {
  new Relay(client, upstream, onEnd).start(options);
}

/**
 * One relay: its own {@linkcode SpliceStats} (so a spliced relay is this one object and two callbacks), and
 * the pumps' counters when it does not splice.
 */
class Relay implements SpliceStats {
  aToB = 0;
  bToA = 0;
  chunks = 0;
  firstEnd: "" | "a" | "b" = "";
  failed = false;
  readonly #client: Conn;
  readonly #upstream: Conn;
  readonly #onEnd: (result: RelayResult) => void;
  /** Why both sides were closed (`idle`, `aborted`, `error`), or "" while the relay runs its course. */
  #reason = "";
  /** Who ended first: `client`, `upstream` or `error`. */
  #side = "";
  #timer: ReturnType<typeof setTimeout> | undefined;
  #unlisten: (() => void) | undefined;

  constructor(client: Conn, upstream: Conn, onEnd: (result: RelayResult) => void) {
    this.#client = client;
    this.#upstream = upstream;
    this.#onEnd = onEnd;
  }

  start(options: RelayOptions): void {
    const idle = options.idleTimeout;
    if (idle && idle > 0) this.#watchIdle(idle);
    const onAbort = () => this.#closeBoth("aborted");
    const context = options.context;
    if (context?.onAbort !== undefined) this.#unlisten = context.onAbort(onAbort);
    else if (options.signal !== undefined || context !== undefined) {
      const signal = options.signal ?? context!.signal;
      signal.addEventListener("abort", onAbort, { once: true });
      this.#unlisten = () => signal.removeEventListener("abort", onAbort);
      if (signal.aborted) onAbort();
    }
    const client = this.#client;
    if (this.#reason === "" && client.splice?.(this.#upstream, this, undefined, () => this.#spliceEnded())) {
      return;
    }
    // Neither pump rejects.
    Promise.all([this.#pump(client, this.#upstream, true), this.#pump(this.#upstream, client, false)]).then(
      () => this.#finish(),
    );
  }

  /** Samples the chunk counter instead of re-arming a timer per chunk (the hot path stays plain). */
  #watchIdle(idle: number): void {
    const tick = Math.max(10, Math.floor(idle / 4));
    let lastSeen = -1;
    let quietSince = Date.now();
    const check = () => {
      const now = Date.now();
      if (this.chunks !== lastSeen) {
        lastSeen = this.chunks;
        quietSince = now;
      } else if (now - quietSince >= idle) {
        this.#closeBoth("idle");
        return;
      }
      this.#timer = setTimeout(check, tick);
    };
    this.#timer = setTimeout(check, tick);
  }

  #closeBoth(why: string): void {
    if (!this.#reason) this.#reason = why;
    this.#client.close();
    this.#upstream.close();
  }

  async #pump(src: Conn, dst: Conn, toUpstream: boolean): Promise<void> {
    try {
      for (;;) {
        const chunk = await src.read();
        if (chunk === null) break;
        this.chunks++;
        if (toUpstream) this.aToB += chunk.length;
        else this.bToA += chunk.length;
        await dst.write(chunk);
      }
      if (!this.#side) this.#side = toUpstream ? "client" : "upstream";
      await dst.closeWrite();
    } catch {
      this.#closeBoth(this.#reason || "error");
    }
  }

  #spliceEnded(): void {
    if (this.failed) this.#side = "error";
    else if (this.firstEnd !== "") this.#side = this.firstEnd === "a" ? "client" : "upstream";
    this.#finish();
  }

  #finish(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#unlisten?.();
    this.#closeBoth(this.#side || "error");
    this.#onEnd({ clientToUpstream: this.aToB, upstreamToClient: this.bToA, reason: this.#reason });
  }
}
