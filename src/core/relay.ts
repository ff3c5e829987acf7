/**
 * Bidirectional relay (SPEC §4.5): two read→write pumps with backpressure (each awaits the write before the
 * next read, so memory per connection is bounded by the adapters' buffers), half-close honoured, errors on one
 * side close both, optional idle timeout.
 *
 * @module
 */
import { type Conn, spliceStats } from "../net/types.ts";
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

interface Pump {
  bytes: number;
  chunks: number;
  done: boolean;
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
  const up: Pump = { bytes: 0, chunks: 0, done: false };
  const down: Pump = { bytes: 0, chunks: 0, done: false };
  const stats = spliceStats();
  let reason = "";
  let firstEnd = "";
  const closeBoth = (why: string) => {
    if (!reason) reason = why;
    client.close();
    upstream.close();
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = options.idleTimeout;
  if (idle && idle > 0) {
    // Sample the chunk counters instead of re-arming a timer per chunk (hot path stays plain).
    const tick = Math.max(10, Math.floor(idle / 4));
    let lastSeen = -1;
    let quietSince = Date.now();
    const check = () => {
      const seen = up.chunks + down.chunks + stats.chunks;
      const now = Date.now();
      if (seen !== lastSeen) {
        lastSeen = seen;
        quietSince = now;
      } else if (now - quietSince >= idle) {
        closeBoth("idle");
        return;
      }
      timer = setTimeout(check, tick);
    };
    timer = setTimeout(check, tick);
  }
  const onAbort = () => closeBoth("aborted");
  let unlisten: (() => void) | undefined;
  const context = options.context;
  if (context?.onAbort !== undefined) unlisten = context.onAbort(onAbort);
  else if (options.signal !== undefined || context !== undefined) {
    const signal = options.signal ?? context!.signal;
    signal.addEventListener("abort", onAbort, { once: true });
    unlisten = () => signal.removeEventListener("abort", onAbort);
    if (signal.aborted) onAbort();
  }

  const finish = () => {
    if (timer !== undefined) clearTimeout(timer);
    unlisten?.();
    closeBoth(firstEnd || "error");
    onEnd({ clientToUpstream: up.bytes, upstreamToClient: down.bytes, reason });
  };
  const spliceEnded = () => {
    if (stats.failed) firstEnd = "error";
    else if (stats.firstEnd !== "") firstEnd = stats.firstEnd === "a" ? "client" : "upstream";
    up.bytes = stats.aToB;
    down.bytes = stats.bToA;
    finish();
  };
  if (
    reason === "" && client.splice !== undefined && client.splice(upstream, stats, undefined, spliceEnded)
  ) return;
  const pump = async (src: Conn, dst: Conn, state: Pump, side: string) => {
    try {
      for (;;) {
        const chunk = await src.read();
        if (chunk === null) break;
        state.chunks++;
        state.bytes += chunk.length;
        await dst.write(chunk);
      }
      state.done = true;
      if (!firstEnd) firstEnd = side;
      await dst.closeWrite();
    } catch {
      state.done = true;
      closeBoth(reason || "error");
    }
  };
  // Neither pump rejects.
  Promise.all([pump(client, upstream, up, "client"), pump(upstream, client, down, "upstream")]).then(finish);
}
