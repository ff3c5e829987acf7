/**
 * The TCP router (SPEC §4): accept → negotiator chain → probe and select with the deadline → backend.
 *
 * @module
 */
import type { ConnContext, ProbeInput, Verdict } from "./backend.ts";
import { Preview } from "./preview.ts";
import type { BackendEntry, BackendTable } from "./registry.ts";
import { decide } from "./select.ts";
import { type Rate, RateLimiter } from "./rate_limit.ts";
import type { Conn, NetAddr } from "../net/types.ts";
import { formatAddr } from "../net/types.ts";
import type { Negotiator } from "../negotiators/types.ts";
import type { Strategy, StrategyContext } from "../strategies/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { Counter, Histogram, Metrics } from "../metrics/metrics.ts";
import { type EntryMetrics, entryMetrics } from "./entry_metrics.ts";
import { type Deadlines, deadlinesFor, type Watched } from "../net/deadlines.ts";
import { LiveList, type LiveNode } from "../net/live_list.ts";

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
  /** Where the cap came from when not from `--max-connections`, for the warning when it is reached. */
  maxConnectionsSource?: string;
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

/**
 * One connection from accept to end: what its steps share. The steps continue in callbacks, not in one
 * `async` function, because on Bun each resumption of an `async` function costs a measurable share of a
 * short connection's time (`bench/README.md`, "a callback-shaped path").
 */
class Routed {
  conn: Conn;
  readonly ctx: RoutedContext;
  readonly listener: ListenerContext;
  readonly started: number;
  readonly deadlineAt: number;
  preview: Preview;
  node: LiveNode<Routed> | undefined;
  /** The per-IP count this connection holds (`--max-connections-per-ip`). */
  ipKey: string | undefined;
  /** The backend that has the connection, once chosen, and its metric series. */
  entry: BackendEntry | undefined;
  em: EntryMetrics | undefined;
  /** Set while the selection waits for more bytes: its round, and its entry in the shared deadline list. */
  round: Round | undefined;
  watched: Watched | undefined;
  ended = false;

  constructor(
    ctx: RoutedContext,
    listener: ListenerContext,
    preview: Preview,
    started: number,
    deadlineAt: number,
  ) {
    this.conn = preview.conn;
    this.ctx = ctx;
    this.listener = listener;
    this.preview = preview;
    this.started = started;
    this.deadlineAt = deadlineAt;
  }
}

const NOTHING = () => {};

/** What one probing round shows the matchers: a class, so each round makes one object and no closure. */
class Probe implements ProbeInput {
  readonly bytes: Uint8Array;
  readonly final: boolean;
  readonly #ctx: RoutedContext;
  constructor(bytes: Uint8Array, ctx: RoutedContext, final: boolean) {
    this.bytes = bytes;
    this.#ctx = ctx;
    this.final = final;
  }
  /** Built only when a matcher or detector asks (see {@linkcode RoutedContext.props}). */
  get props(): ReadonlyMap<string, string> {
    return this.#ctx.props;
  }
  get local(): NetAddr {
    return this.#ctx.local;
  }
  get localPort(): number {
    return this.#ctx.localPort;
  }
  get client(): NetAddr {
    return this.#ctx.client;
  }
}

/** What one connection's selection keeps between probing rounds; it is the strategy's context too. */
class Round implements StrategyContext {
  readonly entries: readonly BackendEntry[];
  readonly answers: (Verdict | undefined)[] = [];
  readonly #ctx: ConnContext;
  constructor(entries: readonly BackendEntry[], ctx: ConnContext) {
    this.entries = entries;
    this.#ctx = ctx;
  }
  /** Read only by a strategy that asks (`ip-hash`). */
  get clientIp(): string {
    return this.#ctx.client.ip;
  }
}

/**
 * The context of one routed connection. Its abort signal is made only when someone asks for it: an
 * `AbortController` per connection is a native object with a finaliser on Bun, and the relay and `pass`
 * need only {@linkcode RoutedContext.onAbort}.
 */
class RoutedContext implements ConnContext {
  readonly id: number;
  /** The port the client connected to, known without reading {@linkcode RoutedContext.local} (`Conn.localPort`). */
  readonly localPort: number;
  readonly #conn: Conn;
  #local: NetAddr | undefined;
  #client: NetAddr | undefined;
  ingressBytes = 0;
  egressBytes = 0;
  closeReason = "";
  #controller: AbortController | undefined;
  #listeners: (() => void)[] | undefined;
  #aborted = false;
  #props: Map<string, string> | undefined;

  constructor(id: number, conn: Conn) {
    this.id = id;
    this.#conn = conn;
    this.localPort = conn.localPort ?? conn.localAddr.port;
  }

  /**
   * The address the client connected to, read from the connection on first use: on a wildcard listener the
   * Bun adapter asks the socket for its IP, which routing by port (it reads `localPort`) does not need.
   */
  get local(): NetAddr {
    return this.#local ??= this.#conn.localAddr;
  }

  /**
   * The client: read from the connection on first use, since the Bun adapter asks the socket for it (see
   * `BunConn.remoteAddr`) and routing by port with nothing that logs or limits by the client never needs it.
   * {@linkcode TcpRouter.handle} reads it at once when the lines written after the close will.
   */
  get client(): NetAddr {
    return this.#client ??= this.#conn.remoteAddr;
  }

  set client(addr: NetAddr) {
    this.#client = addr;
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
  #o: Required<
    Omit<
      TcpRouterOptions,
      "logger" | "metrics" | "table" | "strategy" | "connectionRatePerIp" | "maxConnectionsSource"
    >
  >;
  #rate: RateLimiter | undefined;
  #capSource: string | undefined;
  #capWarnedAt = -Infinity;
  #table: BackendTable;
  #strategy: Strategy;
  #log: Logger;
  #accessLog: Logger;
  #metrics: Metrics;
  #total: Counter;
  #selection: Histogram;
  /** Not a `Set`: see `src/net/live_list.ts` for what a `Set` with this churn costs on Bun. */
  #open = new LiveList<Routed>();
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
    this.#capSource = options.maxConnectionsSource;
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
   * Handles one accepted connection to its end, then calls `listener.finished` once. Never throws: every
   * failure is logged once and closes this connection only.
   *
   * The steps (listener negotiators, admission, negotiators, selection, backend) continue one another
   * directly when they can decide at once, and in a `then` when they wait; see {@linkcode Routed}.
   */
  handle(conn: Conn, listener: ListenerContext): void {
    const started = Date.now();
    const ctx = new RoutedContext(++nextId, conn);
    // The access log and the `closed` lines name the client after the socket may be gone.
    if (this.#log.enabled("information")) ctx.client = conn.remoteAddr;
    this.#total.add();
    if (this.#open.size >= this.#o.maxConnections) {
      this.#capReached(started);
      this.#fail(conn, ctx, "max-connections");
      listener.finished?.();
      return;
    }
    const preview = new Preview(conn, this.#o.previewLimit);
    const r = new Routed(ctx, listener, preview, started, started + this.#o.selectionTimeout);
    r.node = this.#open.add(r);
    try {
      this.#negotiate(r, true, 0);
    } catch (err) {
      this.#failed(r, err);
    }
  }

  /**
   * Runs negotiators from the `i`th on, then the next step: the listener's own (`own`), then admission, then
   * the router's, then the selection. A negotiator that settles the connection itself (`null`) ends it.
   */
  #negotiate(r: Routed, own: boolean, i: number): void {
    const list = own ? r.listener.negotiators : this.#o.negotiators;
    if (i < list.length) {
      list[i].negotiate(r.preview, r.ctx, r.deadlineAt).then((next) => {
        try {
          if (next === null) return this.#end(r);
          r.preview = next;
          this.#negotiate(r, own, i + 1);
        } catch (err) {
          this.#failed(r, err);
        }
      }, (err) => this.#failed(r, err));
      return;
    }
    if (own) {
      if (!this.#admit(r)) return this.#end(r);
      return this.#negotiate(r, false, 0);
    }
    this.#select(r);
  }

  /** The per-client limits; `false` when one refuses the connection (closed, reason recorded). */
  #admit(r: Routed): boolean {
    const { ctx } = r;
    if (this.#rate && !this.#rate.allow(ctx.client.ip)) {
      this.#fail(r.conn, ctx, "rate-limit");
      return false;
    }
    if (this.#o.maxConnectionsPerIp !== Infinity) {
      const key = r.ipKey = ctx.client.ip;
      const perIp = (this.#perIp.get(key) ?? 0) + 1;
      this.#perIp.set(key, perIp);
      if (perIp > this.#o.maxConnectionsPerIp) {
        this.#fail(r.conn, ctx, "max-connections-per-ip");
        return false;
      }
    }
    return true;
  }

  /** Hands the connection to the chosen backend (`null`: none matched, closed). */
  #start(r: Routed, entry: BackendEntry | null): void {
    if (!entry) {
      this.#fail(r.conn, r.ctx, "no-backend");
      return this.#end(r);
    }
    const em = entryMetrics(this.#metrics, entry);
    em.routed.add();
    em.accepted.add();
    entry.requests++;
    entry.active++;
    em.active.set(entry.active);
    const live = r.preview.toConn();
    r.conn = live;
    r.entry = entry;
    r.em = em;
    const done = () => this.#end(r);
    const handler = entry.handler;
    if (handler.startTcp !== undefined) return handler.startTcp(live, r.ctx, done);
    handler.handleTcp!(live, r.ctx).then(done, (err) => this.#failed(r, err));
  }

  /** A step threw or rejected: logged once, and the connection ends with reason `error`. */
  #failed(r: Routed, err: unknown): void {
    if (r.ended) return;
    r.ctx.closeReason ||= "error";
    try {
      this.#log.warn(
        `Connection ${r.ctx.id} from ${formatAddr(r.ctx.client)} failed: ${(err as Error)?.message ?? err}`,
      );
    } finally {
      r.conn.close();
      this.#end(r);
    }
  }

  /**
   * Ends a connection once, whichever step got there: settles the per-IP count and, once a backend had it,
   * closes it and settles the backend's counts; then calls `listener.finished` and writes the access log
   * line. Before a backend, whoever ended the connection closed it (a negotiator that answered it may still
   * be writing). Never throws: a backend's `done` may be called from inside a socket callback.
   */
  #end(r: Routed): void {
    if (r.ended) return;
    r.ended = true;
    const { ctx, entry, em } = r;
    try {
      this.#open.delete(r.node!);
      if (r.round !== undefined) {
        this.#deadlines.done(r.watched!);
        r.round = undefined;
      }
      if (r.ipKey !== undefined) {
        const n = (this.#perIp.get(r.ipKey) ?? 1) - 1;
        if (n <= 0) this.#perIp.delete(r.ipKey);
        else this.#perIp.set(r.ipKey, n);
      }
      if (entry !== undefined && em !== undefined) {
        r.conn.close();
        entry.active--;
        em.active.set(entry.active);
        em.closed(ctx.closeReason || "unknown").add();
        em.ingress.add(ctx.ingressBytes);
        em.egress.add(ctx.egressBytes);
      }
    } catch (err) {
      this.#log.error(`Connection ${ctx.id}: ending it failed: ${(err as Error)?.message ?? err}`);
    }
    r.listener.finished?.();
    if (entry !== undefined && this.#accessLog.enabled("information")) {
      this.#accessLog.info(
        `${formatAddr(ctx.client)} -> ${entry.name} in=${ctx.ingressBytes} out=${ctx.egressBytes} ms=${
          Date.now() - r.started
        } close=${ctx.closeReason || "unknown"}`,
      );
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
   * Chooses the backend, then starts it. The common case (the preview already decides: no matcher needs more
   * bytes) is answered at once; otherwise {@linkcode TcpRouter.#fill} reads more and decides again, in
   * callbacks, until a decision or the deadline.
   */
  #select(r: Routed): void {
    // One table for the whole selection (`answers` is indexed by its entries), even across a reload.
    const round = new Round(this.#table.entries, r.ctx);
    const d = this.#decide(r, round, false);
    if (d !== "more") return this.#start(r, d);
    r.round = round;
    // One shared timer for every connection's selection deadline, not a timer each.
    r.watched = this.#deadlines.watchUntil(r.deadlineAt, () => this.#decideNow(r, true));
    this.#fill(r);
  }

  /**
   * Waits for more bytes (or their end), then decides again. On Bun that is inside the socket's data callback
   * (see {@linkcode Preview.fillThen}), with no promise between the first bytes and the upstream connect.
   */
  #fill(r: Routed): void {
    r.preview.fillThen(() => this.#decideNow(r, false));
  }

  /**
   * One more round of a waiting selection: starts the backend once decided, or reads more. At the deadline
   * (`expired`) it decides with what it has; a fill still pending then is left to the backend's connection
   * (see {@linkcode Preview.toConn}).
   */
  #decideNow(r: Routed, expired: boolean): void {
    const round = r.round;
    if (round === undefined || r.ended) return; // decided already (at the deadline), or ended
    try {
      const d = this.#decide(r, round, expired);
      if (d === "more") return this.#fill(r);
      r.round = undefined;
      this.#deadlines.done(r.watched!);
      this.#start(r, d);
    } catch (err) {
      this.#failed(r, err);
    }
  }

  /** One round of probing; records the selection time and logs the decision once made. */
  #decide(r: Routed, round: Round, timedOut: boolean): BackendEntry | null | "more" {
    const { preview, ctx, started } = r;
    const { entries, answers } = round;
    const input = new Probe(preview.bytes, ctx, timedOut || preview.exhausted);
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

  /** Warns that the global cap closes new connections, at most once a minute (each one is logged at info). */
  #capReached(now: number): void {
    if (now - this.#capWarnedAt < 60_000) return;
    this.#capWarnedAt = now;
    const cap = this.#o.maxConnections;
    this.#log.warn(
      `Connection limit reached: ${cap} open (--max-connections ${cap}${
        this.#capSource ? `, ${this.#capSource}` : ""
      }); new connections are closed until some end (this warning: at most once a minute)`,
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
  // `set` one by one: a Map built from an array of pairs goes through the iterator protocol, per connection.
  const props = new Map<string, string>();
  props.set("socket.address-family", local.family === "ipv6" ? "internetworkv6" : "internetwork");
  props.set("socket.type", type);
  props.set("socket.protocol-type", type === "stream" ? "tcp" : "udp");
  props.set("socket.local-ip", local.ip);
  props.set("socket.local-port", String(local.port));
  props.set("socket.remote-ip", remote.ip);
  props.set("socket.remote-port", String(remote.port));
  return props;
}
