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
import type { Detector } from "./detect/types.ts";
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
  /** Where `maxConnections` came from when not from `--max-connections` (named in the warning). */
  maxConnectionsSource?: string;
  /** @default Infinity */
  maxConnectionsPerIp?: number;
  /** New connections allowed per client IP and period. @default undefined (unlimited) */
  connectionRatePerIp?: { count: number; perMs: number };
  /** ms relays may finish after SIGTERM. @default 10000 */
  shutdownGrace?: number;
  /** Backend protocols. @default BACKENDS */
  protocols?: readonly BackendProtocol[];
  /** Strategies. @default STRATEGIES */
  strategies?: readonly StrategyFactory[];
  /** Negotiators run on every TCP connection (TLS). @default [] */
  negotiators?: readonly Negotiator[];
  /** Detectors `detect=` knows beyond the built-in catalogue (from extensions, SPEC §17). @default [] */
  detectors?: readonly Detector[];
  /** Health-check specs (`-z`). @default [] */
  healthChecks?: readonly HealthCheckSpec[];
}

/** What a reload changed (backend names). */
export interface ReloadSummary {
  added: string[];
  replaced: string[];
  removed: string[];
  listenersOpened: number;
  listenersClosed: number;
}

function sameSpec(a: BackendSpec, b: BackendSpec): boolean {
  if (a.name !== b.name || a.protocol.toLowerCase() !== b.protocol.toLowerCase()) return false;
  const ka = Object.keys(a.params);
  const kb = Object.keys(b.params);
  return ka.length === kb.length && ka.every((k) => b.params[k] === a.params[k]);
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
      maxConnectionsSource: options.maxConnectionsSource,
      maxConnectionsPerIp: options.maxConnectionsPerIp,
      connectionRatePerIp: options.connectionRatePerIp,
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
    else this.tcp.closeConnectionsOf(old);
    try {
      old.handler.dispose?.();
    } catch { /* disposal failures are not fatal */ }
  }

  /**
   * Applies a new configuration (SIGHUP, `POST /api/reload`): unchanged backends keep their state and
   * connections, changed ones are replaced in place and drain, removed ones drain, new ones are added in the
   * new order; listeners and health checks are reconciled; the strategy is swapped when it changed. Everything
   * is built and every new listener opened before anything is applied, so an invalid configuration is
   * rejected whole and the running one stays.
   */
  async reload(options: AppOptions, drainTimeout = 30000): Promise<ReloadSummary> {
    const strategies = options.strategies ?? this.#options.strategies ?? STRATEGIES;
    const strategyName = (options.routingStrategy ?? "first-available").toLowerCase();
    const factory = strategies.find((s) => s.name === strategyName);
    if (!factory) throw new RangeError(`Unknown routing strategy "${options.routingStrategy}"`);
    const summary: ReloadSummary = {
      added: [],
      replaced: [],
      removed: [],
      listenersOpened: 0,
      listenersClosed: 0,
    };
    const next: Record<Transport, BackendEntry[]> = { tcp: [], udp: [] };
    const retire: BackendEntry[] = [];
    options.backends.forEach((spec, index) => {
      const same = (["tcp", "udp"] as const).map((t) => this.table(t).get(spec.name)).filter((e) =>
        e !== undefined
      ) as BackendEntry[];
      if (same.length > 0 && same.every((e) => sameSpec(e.spec, spec))) {
        for (const e of same) next[e.transport].push(e);
        return;
      }
      let built: BackendEntry[];
      try {
        built = this.#build(spec);
      } catch (err) {
        throw new BackendConfigError((err as Error).message, index, err);
      }
      for (const e of built) next[e.transport].push(e);
      if (same.length > 0) summary.replaced.push(spec.name);
      else summary.added.push(spec.name);
    });
    const wanted = new Set(options.backends.map((b) => b.name));
    for (const t of ["tcp", "udp"] as const) {
      for (const e of this.table(t).entries) {
        if (!next[t].includes(e)) retire.push(e);
        if (!wanted.has(e.name) && !summary.removed.includes(e.name)) summary.removed.push(e.name);
      }
    }
    // Listeners: open the new ones first, so a bind failure leaves everything as it was.
    const key = (transport: string, hostname: string, port: number) => `${transport}|${hostname}|${port}`;
    const current = new Map(
      this.listeners.list().map((l) => [key(l.transport, l.spec.hostname, l.spec.port), l]),
    );
    const desired = new Map<string, { transport: Transport; l: AppListener }>();
    for (const l of options.listeners) {
      for (const t of l.transports) desired.set(key(t, l.hostname, l.port), { transport: t, l });
    }
    const opened: OpenListener[] = [];
    try {
      for (const [k, { transport, l }] of desired) {
        if (current.has(k)) continue;
        opened.push(
          await this.listeners.open({
            transport,
            hostname: l.hostname,
            port: l.port,
            negotiators: l.negotiators,
          }),
        );
      }
    } catch (err) {
      for (const o of opened) this.listeners.close(o.id);
      throw err;
    }
    // Apply.
    this.tcp.table.setAll(next.tcp);
    this.udp.table.setAll(next.udp);
    for (const old of retire) void this.#retire(old, true, drainTimeout);
    for (const [k, l] of current) {
      if (!desired.has(k)) {
        this.listeners.close(l.id);
        summary.listenersClosed++;
      }
    }
    summary.listenersOpened = opened.length;
    if (strategyName !== (this.#options.routingStrategy ?? "first-available").toLowerCase()) {
      this.tcp.strategy = factory.create();
      this.udp.strategy = factory.create();
    }
    this.health.setSpecs(options.healthChecks ?? []);
    this.#options = { ...this.#options, ...options };
    this.#log.info(
      `Configuration reloaded: added ${summary.added.length}, replaced ${summary.replaced.length}, removed ${summary.removed.length} backends; listeners +${summary.listenersOpened} -${summary.listenersClosed}`,
    );
    return summary;
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
      detectors: this.#options.detectors,
      services: (s) => ({
        net: this.services.net,
        logger: this.services.logger.child(`backend.${s.name}`),
        metrics: this.services.metrics,
      }),
    });
  }
}
