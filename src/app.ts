/**
 * The application: builds backends, routers and listeners from validated options, runs them, and applies
 * runtime changes (SPEC §3, §12). Runtime-neutral: the socket adapter, logger and metrics are injected.
 *
 * @module
 */
import type { BackendProtocol, BackendSpec, Transport } from "./core/backend.ts";
import { BackendEntry, BackendTable, createEntries } from "./core/registry.ts";
import { TcpRouter } from "./core/router.ts";
import { UdpRouter } from "./core/udp_router.ts";
import { Listeners, type OpenListener } from "./core/listeners.ts";
import { BACKENDS } from "./backends/mod.ts";
import { STRATEGIES, type StrategyFactory } from "./strategies/mod.ts";
import type { Negotiator } from "./negotiators/types.ts";
import { HealthMonitor } from "./health/monitor.ts";
import type { HealthCheckSpec } from "./config/spec.ts";
import type { NetAdapter } from "./net/types.ts";
import type { Logger } from "./logging/logger.ts";
import type { Metrics } from "./metrics/metrics.ts";

/** A backend spec that failed to build at startup; `index` is its position in `AppOptions.backends`. */
export class BackendConfigError extends RangeError {
  override name = "BackendConfigError";
  /** Position of the failing spec. */
  readonly index: number;
  constructor(message: string, index: number, cause: unknown) {
    super(message, { cause });
    this.index = index;
  }
}

/** A listener to open at start. */
export interface AppListener {
  readonly transports: readonly Transport[];
  readonly hostname: string;
  readonly port: number;
  /** Negotiators for this listener's TCP connections. @default [] */
  readonly negotiators?: readonly Negotiator[];
}

/** Validated options the app runs with (mapped from the configuration by `main.ts`). */
export interface AppOptions {
  backends: readonly BackendSpec[];
  listeners: readonly AppListener[];
  /** @default "first-available" */
  routingStrategy?: string;
  /** @default 5000 */
  selectionTimeout?: number;
  /** @default 65536 */
  previewBufferLimit?: number;
  /** @default 100 */
  queueLength?: number;
  /** @default 4096 */
  udpMaxSessions?: number;
  /** @default Infinity */
  maxConnections?: number;
  /** @default Infinity */
  maxConnectionsPerIp?: number;
  /** ms relays may finish after SIGTERM. @default 10000 */
  shutdownGrace?: number;
  /** Backend protocols. @default BACKENDS */
  protocols?: readonly BackendProtocol[];
  /** Strategies. @default STRATEGIES */
  strategies?: readonly StrategyFactory[];
  /** Negotiators run on every TCP connection (TLS). @default [] */
  negotiators?: readonly Negotiator[];
  /** Health-check specs (`-z`). @default [] */
  healthChecks?: readonly HealthCheckSpec[];
}

/** Injected services. */
export interface AppServices {
  net: NetAdapter;
  logger: Logger;
  metrics: Metrics;
}

/** A running pmmux. */
export class App {
  readonly tcp: TcpRouter;
  readonly udp: UdpRouter;
  readonly listeners: Listeners;
  readonly health: HealthMonitor;
  readonly services: AppServices;
  #options: AppOptions;
  #protocols: readonly BackendProtocol[];
  #log: Logger;
  #stopping: Promise<void> | undefined;

  /**
   * Builds the app; throws RangeError/SyntaxError on invalid backends or strategy (a configuration error).
   */
  constructor(options: AppOptions, services: AppServices) {
    this.#options = options;
    this.services = services;
    this.#log = services.logger;
    this.#protocols = options.protocols ?? BACKENDS;
    const strategies = options.strategies ?? STRATEGIES;
    const name = (options.routingStrategy ?? "first-available").toLowerCase();
    const factory = strategies.find((s) => s.name === name);
    if (!factory) {
      throw new RangeError(
        `Unknown routing strategy "${options.routingStrategy}": expected one of ${
          strategies.map((s) => s.name).join(", ")
        }`,
      );
    }
    const tcpTable = new BackendTable("tcp");
    const udpTable = new BackendTable("udp");
    options.backends.forEach((spec, index) => {
      try {
        for (const e of this.#build(spec)) (e.transport === "tcp" ? tcpTable : udpTable).add(e);
      } catch (err) {
        throw new BackendConfigError((err as Error).message, index, err);
      }
    });
    this.tcp = new TcpRouter({
      table: tcpTable,
      strategy: factory.create(),
      negotiators: options.negotiators,
      selectionTimeout: options.selectionTimeout,
      previewLimit: options.previewBufferLimit,
      maxConnections: options.maxConnections,
      maxConnectionsPerIp: options.maxConnectionsPerIp,
      logger: services.logger.child("router"),
      metrics: services.metrics,
    });
    this.udp = new UdpRouter({
      table: udpTable,
      strategy: factory.create(),
      selectionTimeout: options.selectionTimeout,
      maxSessions: options.udpMaxSessions,
      logger: services.logger.child("router.udp"),
      metrics: services.metrics,
    });
    this.health = new HealthMonitor({
      tables: [tcpTable, udpTable],
      specs: options.healthChecks,
      logger: services.logger.child("health"),
      metrics: services.metrics,
    });
    this.listeners = new Listeners({
      net: services.net,
      tcp: this.tcp,
      udp: this.udp,
      backlog: options.queueLength,
      logger: services.logger.child("listener"),
    });
  }

  /** Opens every configured listener; on a bind failure closes those opened and rethrows. */
  async start(): Promise<OpenListener[]> {
    this.health.sync();
    const opened: OpenListener[] = [];
    try {
      for (const l of this.#options.listeners) {
        for (const transport of l.transports) {
          opened.push(
            await this.listeners.open({
              transport,
              hostname: l.hostname,
              port: l.port,
              negotiators: l.negotiators,
            }),
          );
        }
      }
    } catch (err) {
      this.listeners.closeAll();
      throw err;
    }
    return opened;
  }

  /** The backend table of a network protocol. */
  table(transport: Transport): BackendTable {
    return transport === "tcp" ? this.tcp.table : this.udp.table;
  }

  /**
   * Adds a backend at the end of the routing order: each network protocol it serves, or only those of
   * `transports` when given (a RangeError when it serves none of them).
   */
  addBackend(spec: BackendSpec, transports?: readonly Transport[]): BackendEntry[] {
    let entries = this.#build(spec);
    if (transports) {
      for (const e of entries) if (!transports.includes(e.transport)) e.handler.dispose?.();
      entries = entries.filter((e) => transports.includes(e.transport));
      if (entries.length === 0) {
        const names = transports.map((t) => t.toUpperCase()).join(" or ");
        throw new RangeError(`Backend "${spec.name}" (${spec.protocol}) does not serve ${names}`);
      }
    }
    for (const e of entries) {
      if (this.table(e.transport).get(e.name)) {
        throw new RangeError(`Duplicate backend name "${e.name}" for ${e.transport.toUpperCase()}`);
      }
    }
    for (const e of entries) this.table(e.transport).add(e);
    this.health.sync();
    this.#log.info(`Backend "${spec.name}" (${spec.protocol}) added`);
    return entries;
  }

  /**
   * Replaces a backend in place: new connections go to the new one at once; the old one drains in the
   * background (closed by force after `drainTimeout`).
   */
  replaceBackend(spec: BackendSpec, transport: Transport, drainTimeout = 30000): BackendEntry {
    const table = this.table(transport);
    if (!table.get(spec.name)) {
      throw new RangeError(`No backend "${spec.name}" for ${transport.toUpperCase()}`);
    }
    const entry = this.#build(spec).find((e) => e.transport === transport);
    if (!entry) {
      throw new RangeError(
        `Backend "${spec.name}" (${spec.protocol}) does not serve ${transport.toUpperCase()}`,
      );
    }
    const old = table.replace(entry);
    this.health.sync();
    this.#log.info(`Backend "${spec.name}" replaced; the old one drains`);
    void this.#retire(old, true, drainTimeout);
    return entry;
  }

  /** Removes a backend; with `drain`, open connections may finish within `drainTimeout`. */
  removeBackend(
    name: string,
    transport: Transport,
    drain = false,
    drainTimeout = 30000,
  ): BackendEntry | undefined {
    const old = this.table(transport).remove(name);
    if (!old) return undefined;
    this.health.sync();
    this.#log.info(`Backend "${name}" removed (${drain ? "draining" : "closing connections"})`);
    void this.#retire(old, drain, drainTimeout);
    return old;
  }

  async #retire(old: BackendEntry, drain: boolean, timeout: number): Promise<void> {
    old.status = drain ? "Draining" : "Stopped";
    if (drain) {
      const until = Date.now() + timeout;
      while (old.active > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    }
    old.status = "Stopped";
    old.abort.abort();
    if (old.transport === "udp") this.udp.closeSessionsOf(old);
    try {
      old.handler.dispose?.();
    } catch { /* disposal failures are not fatal */ }
  }

  /**
   * Stops: no new connections, relays may finish within the grace period, then the rest is closed.
   * Idempotent.
   */
  stop(grace = this.#options.shutdownGrace ?? 10000): Promise<void> {
    this.#stopping ??= (async () => {
      this.health.stop();
      this.listeners.closeAll();
      this.udp.closeAll();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<void>((r) => timer = setTimeout(r, grace));
      await Promise.race([this.listeners.drained(), expired]);
      clearTimeout(timer);
      this.tcp.closeAll();
      await this.listeners.drained();
      for (const t of [this.tcp.table, this.udp.table]) {
        for (const e of t.entries) {
          try {
            e.handler.dispose?.();
          } catch { /* ignore */ }
        }
      }
    })();
    return this.#stopping;
  }

  #build(spec: BackendSpec): BackendEntry[] {
    return createEntries(spec, {
      protocols: this.#protocols,
      services: (s) => ({
        net: this.services.net,
        logger: this.services.logger.child(`backend.${s.name}`),
        metrics: this.services.metrics,
      }),
    });
  }
}
