/**
 * The TCP router (SPEC §4): accept → negotiator chain → probe and select with the deadline → backend.
 *
 * @module
 */
import type { ConnContext, ProbeInput, Verdict } from "./backend.ts";
import { FillUntil, Preview } from "./preview.ts";
import type { BackendEntry, BackendTable } from "./registry.ts";
import { decide } from "./select.ts";
import { type Rate, RateLimiter } from "./rate_limit.ts";
import type { Conn, NetAddr } from "../net/types.ts";
import { formatAddr } from "../net/types.ts";
import type { Negotiator } from "../negotiators/types.ts";
import type { Strategy, StrategyContext } from "../strategies/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { Counter, Histogram, Metrics } from "../metrics/metrics.ts";
import { entryMetrics } from "./entry_metrics.ts";
import { type Deadlines, deadlinesFor } from "../net/deadlines.ts";
import { LiveList } from "../net/live_list.ts";

/** Options for {@linkcode TcpRouter}. */
export interface TcpRouterOptions {
  /** The TCP backends. */
  table: BackendTable;
  /** The routing strategy instance. */
  strategy: Strategy;
  /** Negotiators run on every connection after the listener's own (TLS). @default [] */
  negotiators?: readonly Negotiator[];
  /** ms from accept to decide (`--selection-timeout`). @default 5000 */
  selectionTimeout?: number;
  /** Bytes buffered for probing (`--preview-buffer-limit`). @default 65536 */
  previewLimit?: number;
  /** Global connection cap (`--max-connections`). @default Infinity */
  maxConnections?: number;
  /** Per-client-IP connection cap (`--max-connections-per-ip`). @default Infinity */
  maxConnectionsPerIp?: number;
  /** Per-client-IP new-connection rate (`--connection-rate-per-ip`). @default undefined (unlimited) */
  connectionRatePerIp?: Rate;
  logger: Logger;
  metrics: Metrics;
}

/** What the router knows of the listener a connection came from. */
export interface ListenerContext {
  /** Negotiators of this listener (PROXY-protocol acceptance), run first. */
  readonly negotiators: readonly Negotiator[];
  /** Called once when a connection's handling ends (instead of a `then` on every `handle()` promise). */
  readonly finished?: () => void;
}

let nextId = 0;

interface OpenConn {
  conn: Conn;
  ctx: RoutedContext;
  entry: BackendEntry | undefined;
}

const NOTHING = () => {};

/** What one connection's selection keeps between probing rounds; it is the strategy's context too. */
interface Round extends StrategyContext {
  readonly entries: readonly BackendEntry[];
  readonly answers: (Verdict | undefined)[];
}

/**
 * The context of one routed connection. Its abort signal is made only when someone asks for it: an
 * `AbortController` per connection is a native object with a finaliser on Bun, and the relay and `pass`
 * need only {@linkcode RoutedContext.onAbort}.
 */
class RoutedContext implements ConnContext {
  readonly id: number;
  client: NetAddr;
  readonly local: NetAddr;
  ingressBytes = 0;
  egressBytes = 0;
  closeReason = "";
  #controller: AbortController | undefined;
  #listeners: (() => void)[] | undefined;
  #aborted = false;
  #props: Map<string, string> | undefined;

  constructor(id: number, conn: Conn) {
    this.id = id;
    this.client = conn.remoteAddr;
    this.local = conn.localAddr;
  }

  /** Built on first use: backends without matchers never read them. */
  get props(): Map<string, string> {
    return this.#props ??= baseProps(this.local, this.client);
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  onAbort(fn: () => void): () => void {
    if (this.#aborted) {
      fn();
      return NOTHING;
    }
    const listeners = this.#listeners ??= [];
    listeners.push(fn);
    return () => {
      const i = listeners.indexOf(fn);
      if (i >= 0) listeners.splice(i, 1);
    };
  }

  /** Aborts once: the signal (if made) and every registered callback. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort();
    for (const fn of this.#listeners?.splice(0) ?? []) {
      try {
        fn();
      } catch { /* one callback's failure must not skip the others */ }
    }
  }
}

/** Routes accepted TCP connections. */
export class TcpRouter {
  #o: Required<Omit<TcpRouterOptions, "logger" | "metrics" | "table" | "strategy" | "connectionRatePerIp">>;
  #rate: RateLimiter | undefined;
  #table: BackendTable;
  #strategy: Strategy;
  #log: Logger;
  #accessLog: Logger;
  #metrics: Metrics;
  #total: Counter;
  #selection: Histogram;
  /** Not a `Set`: see `src/net/live_list.ts` for what a `Set` with this churn costs on Bun. */
  #open = new LiveList<OpenConn>();
  #deadlines: Deadlines;
  #perIp = new Map<string, number>();

  constructor(options: TcpRouterOptions) {
    this.#table = options.table;
    this.#strategy = options.strategy;
    this.#log = options.logger;
    this.#accessLog = options.logger.child("access");
    this.#metrics = options.metrics;
    this.#total = options.metrics.counter("router.connection.total", { protocol: "Tcp" });
    this.#selection = options.metrics.histogram("router.selection.duration", { protocol: "Tcp" });
    this.#rate = options.connectionRatePerIp ? new RateLimiter(options.connectionRatePerIp) : undefined;
    this.#o = {
      negotiators: options.negotiators ?? [],
      selectionTimeout: options.selectionTimeout ?? 5000,
      previewLimit: options.previewLimit ?? 65536,
      maxConnections: options.maxConnections ?? Infinity,
      maxConnectionsPerIp: options.maxConnectionsPerIp ?? Infinity,
    };
    this.#deadlines = deadlinesFor(this.#o.selectionTimeout);
  }

  /** The TCP backend table. */
  get table(): BackendTable {
    return this.#table;
  }

  /** Replaces the strategy (config reload). */
  set strategy(s: Strategy) {
    this.#strategy = s;
  }

  /** Number of connections being probed or relayed. */
  get openConnections(): number {
    return this.#open.size;
  }

  /**
   * Handles one accepted connection to its end, then calls `listener.finished` once. Never rejects: every
   * failure is logged once and closes this connection only (callers leave the promise without a reaction).
   */
  async handle(conn: Conn, listener: ListenerContext): Promise<void> {
    const started = Date.now();
    const id = ++nextId;
    const ctx = new RoutedContext(id, conn);
    const rec: OpenConn = { conn, ctx, entry: undefined };
    this.#total.add();
    if (this.#open.size >= this.#o.maxConnections) {
      this.#fail(conn, ctx, "max-connections");
      listener.finished?.();
      return;
    }
    const node = this.#open.add(rec);
    let ipKey: string | undefined;
    let entry: BackendEntry | null = null;
    try {
      const deadlineAt = started + this.#o.selectionTimeout;
      let preview: Preview | null = new Preview(conn, this.#o.previewLimit);
      for (const n of listener.negotiators) {
        preview = await n.negotiate(preview, ctx, deadlineAt);
        if (!preview) return;
      }
      if (this.#rate && !this.#rate.allow(ctx.client.ip)) {
        this.#fail(conn, ctx, "rate-limit");
        return;
      }
      if (this.#o.maxConnectionsPerIp !== Infinity) {
        ipKey = ctx.client.ip;
        const perIp = (this.#perIp.get(ipKey) ?? 0) + 1;
        this.#perIp.set(ipKey, perIp);
        if (perIp > this.#o.maxConnectionsPerIp) {
          this.#fail(conn, ctx, "max-connections-per-ip");
          return;
        }
      }
      for (const n of this.#o.negotiators) {
        preview = await n.negotiate(preview, ctx, deadlineAt);
        if (!preview) return;
      }
      const chosen = this.#select(preview, ctx, deadlineAt, started);
      entry = chosen instanceof Promise ? await chosen : chosen;
      if (!entry) {
        this.#fail(conn, ctx, "no-backend");
        return;
      }
      const em = entryMetrics(this.#metrics, entry);
      em.routed.add();
      em.accepted.add();
      entry.requests++;
      entry.active++;
      em.active.set(entry.active);
      const live = preview.toConn();
      rec.conn = live;
      rec.entry = entry;
      try {
        await entry.handler.handleTcp!(live, ctx);
      } finally {
        live.close();
        entry.active--;
        em.active.set(entry.active);
        em.closed(ctx.closeReason || "unknown").add();
        em.ingress.add(ctx.ingressBytes);
        em.egress.add(ctx.egressBytes);
      }
    } catch (err) {
      ctx.closeReason ||= "error";
      this.#log.warn(
        `Connection ${id} from ${formatAddr(ctx.client)} failed: ${(err as Error)?.message ?? err}`,
      );
      conn.close();
    } finally {
      this.#open.delete(node);
      if (ipKey !== undefined) {
        const n = (this.#perIp.get(ipKey) ?? 1) - 1;
        if (n <= 0) this.#perIp.delete(ipKey);
        else this.#perIp.set(ipKey, n);
      }
      listener.finished?.();
      if (entry && this.#accessLog.enabled("information")) {
        this.#accessLog.info(
          `${formatAddr(ctx.client)} -> ${entry.name} in=${ctx.ingressBytes} out=${ctx.egressBytes} ms=${
            Date.now() - started
          } close=${ctx.closeReason || "unknown"}`,
        );
      }
    }
  }

  /** Closes every open connection (end of the shutdown grace period). */
  closeAll(): void {
    for (const { conn, ctx } of this.#open) {
      ctx.abort();
      conn.close();
    }
  }

  /** Closes the connections routed to `entry` (a backend removed or replaced by force). */
  closeConnectionsOf(entry: BackendEntry): void {
    for (const rec of this.#open) {
      if (rec.entry !== entry) continue;
      rec.ctx.closeReason ||= "backend-removed";
      rec.ctx.abort();
      rec.conn.close();
    }
  }

  /**
   * Chooses the backend. The common case (the preview already decides: no matcher needs more bytes) is
   * answered without a promise; otherwise the preview fills until a decision or the deadline.
   */
  #select(
    preview: Preview,
    ctx: ConnContext,
    deadlineAt: number,
    started: number,
  ): BackendEntry | null | Promise<BackendEntry | null> {
    // One table for the whole selection (`answers` is indexed by its entries), even across a reload.
    const round: Round = { entries: this.#table.entries, answers: [], clientIp: ctx.client.ip };
    const d = this.#decide(preview, ctx, round, false, started);
    return d !== "more" ? d : this.#selectLater(preview, ctx, deadlineAt, started, round);
  }

  async #selectLater(
    preview: Preview,
    ctx: ConnContext,
    deadlineAt: number,
    started: number,
    round: Round,
  ): Promise<BackendEntry | null> {
    // One shared timer for every connection's selection deadline, not a timer each.
    const until = new FillUntil(preview);
    const watched = this.#deadlines.watchUntil(deadlineAt, () => until.expire());
    try {
      for (;;) {
        await until.fill();
        const d = this.#decide(preview, ctx, round, until.expired, started);
        if (d !== "more") return d;
      }
    } finally {
      this.#deadlines.done(watched);
    }
  }

  /** One round of probing; records the selection time and logs the decision once made. */
  #decide(
    preview: Preview,
    ctx: ConnContext,
    round: Round,
    timedOut: boolean,
    started: number,
  ): BackendEntry | null | "more" {
    const { entries, answers } = round;
    const input: ProbeInput = {
      bytes: preview.bytes,
      get props() {
        return ctx.props; // built only when a matcher or detector asks
      },
      final: timedOut || preview.exhausted,
    };
    const d = decide(entries, input, this.#strategy, round, answers);
    if (d === "more") return d;
    const ms = Date.now() - started;
    this.#selection.observe(ms);
    if (this.#log.enabled("debug")) this.#logDecision(ctx, entries, answers, preview, d, ms, timedOut);
    return d;
  }

  #logDecision(
    ctx: ConnContext,
    entries: readonly BackendEntry[],
    answers: (Verdict | undefined)[],
    preview: Preview,
    chosen: BackendEntry | null,
    ms: number,
    timedOut: boolean,
  ): void {
    const asked = entries.map((e, i) =>
      `${e.name}=${
        e.routable
          ? (answers[i] ?? "not-asked")
          : `skipped(${e.active >= e.maxConnections ? "full" : e.status})`
      }`
    ).join(" ");
    this.#log.debug(
      `Connection ${ctx.id} from ${formatAddr(ctx.client)} -> ${
        chosen?.name ?? "(none)"
      }: ${asked}; bytes=${preview.length}${preview.eof ? " eof" : ""}${
        timedOut ? " deadline" : ""
      } ms=${ms}`,
    );
  }

  #fail(conn: Conn, ctx: ConnContext, reason: string): void {
    ctx.closeReason = reason;
    this.#metrics.add("router.connection.failed", 1, { reason, protocol: "Tcp" });
    this.#log.info(`Connection ${ctx.id} from ${formatAddr(ctx.client)} closed: ${reason}`);
    conn.close();
  }
}

/** The core connection properties (SPEC §4.2). */
export function baseProps(
  local: NetAddr,
  remote: NetAddr,
  type: "stream" | "dgram" = "stream",
): Map<string, string> {
  return new Map([
    ["socket.address-family", local.family === "ipv6" ? "internetworkv6" : "internetwork"],
    ["socket.type", type],
    ["socket.protocol-type", type === "stream" ? "tcp" : "udp"],
    ["socket.local-ip", local.ip],
    ["socket.local-port", String(local.port)],
    ["socket.remote-ip", remote.ip],
    ["socket.remote-port", String(remote.port)],
  ]);
}
