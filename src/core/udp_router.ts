/**
 * UDP routing (SPEC §5): datagrams keyed by (listener, client address, client port); the first datagram(s)
 * of a new key are probed against the UDP backends, and the chosen backend owns the session until it idles
 * out or is evicted (least recently used first).
 *
 * @module
 */
import type { UdpClientWriter, UdpSession, Verdict } from "./backend.ts";
import type { BackendEntry, BackendTable } from "./registry.ts";
import { decide } from "./select.ts";
import { baseProps } from "./router.ts";
import type { NetAddr, UdpSocket } from "../net/types.ts";
import { formatAddr } from "../net/types.ts";
import type { Strategy } from "../strategies/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { Counter, Metrics } from "../metrics/metrics.ts";
import { entryMetrics } from "./entry_metrics.ts";

/** Options for {@linkcode UdpRouter}. */
export interface UdpRouterOptions {
  table: BackendTable;
  strategy: Strategy;
  /** ms allowed to decide a new session (`--selection-timeout`). @default 5000 */
  selectionTimeout?: number;
  /** Session table bound (`--udp-max-sessions`). @default 4096 */
  maxSessions?: number;
  logger: Logger;
  metrics: Metrics;
}

interface Session {
  key: string;
  client: NetAddr;
  entry: BackendEntry;
  handler: UdpSession;
  last: number;
  idle: number;
  ingress: number;
  egress: number;
}

interface Pending {
  key: string;
  client: NetAddr;
  socket: UdpSocket;
  props: Map<string, string>;
  datagrams: Uint8Array[];
  answers: (Verdict | undefined)[];
  timer: ReturnType<typeof setTimeout>;
  started: number;
}

/** Routes datagrams from any number of UDP listeners. */
export class UdpRouter {
  #table: BackendTable;
  #strategy: Strategy;
  #timeout: number;
  #max: number;
  #log: Logger;
  #access: Logger;
  #metrics: Metrics;
  #sessions = new Map<string, Session>();
  #pending = new Map<string, Pending>();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #sweepEvery = 0;
  #m: Record<"total" | "routed" | "failed" | "created" | "expired" | "evicted", Counter>;

  constructor(options: UdpRouterOptions) {
    this.#table = options.table;
    this.#strategy = options.strategy;
    this.#timeout = options.selectionTimeout ?? 5000;
    this.#max = options.maxSessions ?? 4096;
    this.#log = options.logger;
    this.#access = options.logger.child("access");
    this.#metrics = options.metrics;
    const m = options.metrics;
    const udp = { protocol: "Udp" };
    this.#m = {
      total: m.counter("router.message.total", udp),
      routed: m.counter("router.message.routed", udp),
      failed: m.counter("router.message.failed", udp),
      created: m.counter("router.session.created", udp),
      expired: m.counter("router.session.expired", udp),
      evicted: m.counter("router.session.evicted", udp),
    };
  }

  /** The UDP backend table. */
  get table(): BackendTable {
    return this.#table;
  }

  /** Replaces the strategy (config reload). */
  set strategy(s: Strategy) {
    this.#strategy = s;
  }

  /** Number of live sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Handles one datagram received on `socket` (the listener). Never throws. */
  receive(socket: UdpSocket, data: Uint8Array, from: NetAddr): void {
    this.#m.total.add();
    const key = `${socket.addr.ip}|${socket.addr.port}|${from.ip}|${from.port}`;
    const s = this.#sessions.get(key);
    if (s) {
      s.last = Date.now();
      s.ingress += data.length;
      // Keep the map in least-recently-used order for eviction.
      this.#sessions.delete(key);
      this.#sessions.set(key, s);
      try {
        s.handler.onDatagram(data);
      } catch (err) {
        this.#log.warn(
          `UDP session ${formatAddr(from)} -> ${s.entry.name} failed: ${(err as Error).message}`,
        );
        this.#end(s, "error");
      }
      return;
    }
    let p = this.#pending.get(key);
    if (!p) {
      p = {
        key,
        client: from,
        socket,
        props: baseProps(socket.addr, from, "dgram"),
        datagrams: [],
        answers: [],
        timer: undefined as unknown as ReturnType<typeof setTimeout>,
        started: Date.now(),
      };
      const pending = p;
      p.timer = setTimeout(() => this.#decide(pending, true), this.#timeout);
      this.#pending.set(key, p);
    }
    p.datagrams.push(data);
    this.#decide(p, false);
  }

  #decide(p: Pending, timedOut: boolean): void {
    if (this.#pending.get(p.key) !== p) return;
    const entries = this.#table.entries;
    let limit = 1;
    for (const e of entries) if (e.udpProbeDatagrams > limit) limit = e.udpProbeDatagrams;
    const final = timedOut || p.datagrams.length >= limit;
    let d: BackendEntry | null | "more";
    try {
      d = decide(
        entries,
        {
          bytes: p.datagrams[0],
          datagrams: p.datagrams,
          props: p.props,
          local: p.socket.addr,
          client: p.client,
          final,
        },
        this.#strategy,
        { clientIp: p.client.ip },
        p.answers,
      );
    } catch (err) {
      this.#log.warn(`UDP probe for ${formatAddr(p.client)} failed: ${(err as Error).message}`);
      d = null;
    }
    if (d === "more") return;
    clearTimeout(p.timer);
    this.#pending.delete(p.key);
    if (this.#log.enabled("debug")) {
      const asked = entries.map((e, i) =>
        `${e.name}=${e.routable ? (p.answers[i] ?? "not-asked") : "skipped"}`
      );
      this.#log.debug(
        `UDP ${formatAddr(p.client)} -> ${d?.name ?? "(none)"}: ${
          asked.join(" ")
        }; datagrams=${p.datagrams.length}${timedOut ? " deadline" : ""} ms=${Date.now() - p.started}`,
      );
    }
    if (!d) {
      this.#m.failed.add(p.datagrams.length);
      return;
    }
    this.#open(p, d);
  }

  #open(p: Pending, entry: BackendEntry): void {
    if (this.#sessions.size >= this.#max) {
      const oldest = this.#sessions.values().next().value;
      if (oldest) this.#end(oldest, "evicted");
    }
    const socket = p.socket;
    const client = p.client;
    let session: Session | undefined;
    let failedEarly = false;
    const writer: UdpClientWriter = {
      client,
      send: (data) => {
        if (session) session.egress += data.length;
        return socket.send(data, client);
      },
    };
    let handler: UdpSession;
    try {
      handler = entry.handler.openUdp!({
        props: p.props,
        writer,
        local: socket.addr,
        touch: () => {
          if (session) session.last = Date.now();
        },
        failed: () => {
          if (session) this.#end(session, "error");
          else failedEarly = true;
        },
      });
    } catch (err) {
      this.#log.warn(
        `Cannot open UDP session ${formatAddr(client)} -> ${entry.name}: ${(err as Error).message}`,
      );
      this.#m.failed.add(p.datagrams.length);
      return;
    }
    session = {
      key: p.key,
      client,
      entry,
      handler,
      last: Date.now(),
      idle: entry.udpIdleTimeout,
      ingress: 0,
      egress: 0,
    };
    this.#sessions.set(p.key, session);
    entry.requests++;
    entry.active++;
    this.#m.created.add();
    this.#m.routed.add(p.datagrams.length);
    this.#ensureSweeper(session.idle);
    for (const d of p.datagrams) {
      session.ingress += d.length;
      handler.onDatagram(d);
    }
    if (failedEarly) this.#end(session, "error");
  }

  #end(s: Session, reason: "expired" | "evicted" | "error" | "removed" | "shutdown"): void {
    if (this.#sessions.get(s.key) !== s) return;
    this.#sessions.delete(s.key);
    s.entry.active--;
    try {
      s.handler.close();
    } catch { /* a failing close must not stop the others */ }
    if (reason === "expired") this.#m.expired.add();
    if (reason === "evicted") this.#m.evicted.add();
    const em = entryMetrics(this.#metrics, s.entry);
    em.ingress.add(s.ingress);
    em.egress.add(s.egress);
    if (this.#access.enabled("information")) {
      this.#access.info(
        `UDP ${formatAddr(s.client)} -> ${s.entry.name} in=${s.ingress} out=${s.egress} close=${reason}`,
      );
    }
  }

  #ensureSweeper(idle: number): void {
    const every = Math.min(1000, Math.max(10, Math.floor(idle / 4)));
    if (this.#sweeper !== undefined && every >= this.#sweepEvery) return;
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweepEvery = every;
    this.#sweeper = setInterval(() => this.#sweep(), every);
  }

  #sweep(): void {
    const now = Date.now();
    for (const s of this.#sessions.values()) {
      if (now - s.last >= s.idle) this.#end(s, "expired");
    }
    if (this.#sessions.size === 0 && this.#pending.size === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  /** Ends every session of a backend (removed or replaced by force). */
  closeSessionsOf(entry: BackendEntry): void {
    for (const s of [...this.#sessions.values()]) if (s.entry === entry) this.#end(s, "removed");
  }

  /** Ends every session (shutdown). */
  closeAll(): void {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
    for (const s of [...this.#sessions.values()]) this.#end(s, "shutdown");
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }
}
