/**
 * The `run` command: configuration → app → listeners, signals, shutdown. Exit codes: 2 for configuration
 * errors, 1 for runtime failures (SPEC §2).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { App, type AppListener, BackendConfigError } from "../app.ts";
import { type Config, ConfigError, configError, loadConfig, preloadConfigFile } from "../config/load.ts";
import { STRATEGIES } from "../strategies/mod.ts";
import { createLogger, type Logger, stderrSink } from "../logging/logger.ts";
import { flushStderrLog } from "../logging/stderr_writer.ts";
import { createFileSink, type FileSink } from "../logging/file_sink.ts";
import { createMetrics } from "../metrics/metrics.ts";
import type { OtlpExporter } from "../metrics/otlp/mod.ts";
import type { PortMapManager } from "../nat/mod.ts";
import { runtimeAdapter } from "../net/mod.ts";
import { formatAddr, type HttpServer, type NetAdapter } from "../net/types.ts";
import { VERSION } from "../version.ts";
import {
  BUILTIN_PLUGINS,
  describeExtension,
  type LoadedPlugins,
  loadPlugins,
  type PluginTables,
} from "../extensions/mod.ts";
import { bindingNegotiators } from "../negotiators/proxy_protocol.ts";
import { fdBudget, openFileLimit } from "../core/fd_limit.ts";
import type { createTlsFromConfig } from "../tls/from_config.ts";
import type { Acme } from "../acme/mod.ts";
import type { CertificateStore } from "../tls/store.ts";

/** Reads a text file, `undefined` when it does not exist. */
export function readTextFileOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Loads the configuration from the process's arguments and environment; `--routing-strategy` is checked
 * against `strategies` (`null`: not checked, for the first pass that finds the extensions to load). The
 * config file's parser (YAML, TOML) is imported first, when there is such a file.
 */
export async function loadProcessConfig(
  argv: readonly string[],
  strategies: readonly { name: string }[] | null = STRATEGIES,
): Promise<Config> {
  return loadConfig(
    await preloadConfigFile({
      argv,
      env: process.env,
      cwd: process.cwd(),
      readTextFile: readTextFileOrUndefined,
      knownStrategies: strategies?.map((s) => s.name),
    }),
  );
}

/**
 * Maps port bindings to the listeners to open (bindings with `listen=false` open none), with their PROXY
 * protocol negotiator (`proxy-protocol=true`). Throws a ConfigError naming a binding whose PROXY parameters
 * are invalid.
 */
export function listenersOf(config: Config, logger: Logger = createLogger({ level: "none" })): AppListener[] {
  const out: AppListener[] = [];
  config.portBindings.forEach((b, i) => {
    // A `?` local port gets its listener once the NAT device assigned it (src/nat/setup.ts).
    if (!b.listen || b.localPort === "?") return;
    let negotiators;
    try {
      negotiators = bindingNegotiators(b.params, logger.child("proxy-protocol"));
    } catch (err) {
      throw configError(
        "port-binding",
        b.spec,
        config.sourceOf("port-binding", i),
        (err as Error).message,
        err,
      );
    }
    out.push({ transports: b.transports, hostname: b.bindAddress, port: b.localPort, negotiators });
  });
  return out;
}

/**
 * The global TCP connection cap and the UDP session cap: `--max-connections` and `--udp-max-sessions`, with
 * the defaults and bounds the open-file limit sets (see `src/core/fd_limit.ts`); no cap and the configured
 * sessions where the limit is unknown. `udpLowered` is set when the limit lowered `--udp-max-sessions`.
 */
export function connectionCaps(
  config: Pick<Config, "maxConnections" | "udpMaxSessions">,
  readLimit: () => number | undefined = openFileLimit,
): {
  maxConnections: number;
  maxConnectionsSource?: string;
  udpMaxSessions: number;
  udpLowered?: string;
} {
  const limit = readLimit();
  if (limit === undefined) {
    return { maxConnections: config.maxConnections ?? Infinity, udpMaxSessions: config.udpMaxSessions };
  }
  const budget = fdBudget(limit, config.udpMaxSessions);
  const caps: ReturnType<typeof connectionCaps> = {
    maxConnections: config.maxConnections ?? budget.tcp,
    udpMaxSessions: budget.udp,
  };
  if (config.maxConnections === undefined) {
    caps.maxConnectionsSource = `the default for an open-file limit of ${limit}`;
  }
  if (budget.udp < config.udpMaxSessions) {
    caps.udpLowered = `--udp-max-sessions ${config.udpMaxSessions} is lowered to ${budget.udp} for an ` +
      `open-file limit of ${limit}; beyond it the least recently used session is evicted`;
  }
  return caps;
}

/** Builds the app from a loaded configuration; backend errors become ConfigErrors naming their source. */
export function buildApp(
  config: Config,
  net: NetAdapter,
  logger: Logger,
  plugins: PluginTables = BUILTIN_PLUGINS,
  createTls?: typeof createTlsFromConfig,
): App & { tlsStore?: CertificateStore } {
  const metrics = createMetrics(
    config.logMetrics
      ? { onRecord: (n, v, l) => logger.trace(`metric ${n}=${v}`, l as Record<string, unknown>) }
      : {},
  );
  if (config.tlsEnable && !createTls) throw new Error("TLS is enabled but the TLS module was not loaded");
  const tls = createTls?.(config, { logger: logger.child("tls"), metrics });
  const caps = connectionCaps(config);
  if (caps.udpLowered) logger.info(caps.udpLowered);
  try {
    const app: App & { tlsStore?: CertificateStore } = new App({
      backends: config.backends,
      listeners: listenersOf(config, logger),
      routingStrategy: config.routingStrategy,
      selectionTimeout: config.selectionTimeout,
      previewBufferLimit: config.previewBufferLimit,
      queueLength: config.queueLength,
      udpMaxSessions: caps.udpMaxSessions,
      maxConnections: caps.maxConnections,
      maxConnectionsSource: caps.maxConnectionsSource,
      maxConnectionsPerIp: config.maxConnectionsPerIp ?? Infinity,
      connectionRatePerIp: config.connectionRatePerIp,
      shutdownGrace: config.shutdownGrace,
      healthChecks: config.healthChecks,
      protocols: plugins.protocols,
      strategies: plugins.strategies,
      negotiators: tls ? [tls, ...plugins.negotiators] : plugins.negotiators,
      detectors: plugins.detectors,
    }, { net, logger, metrics });
    if (tls) app.tlsStore = tls.store;
    return app;
  } catch (err) {
    if (err instanceof BackendConfigError) {
      const spec = config.backends[err.index];
      const text = `${spec.name}:${spec.protocol}`;
      throw configError("backend", text, config.sourceOf("backend", err.index), err.message, err);
    }
    if (err instanceof RangeError && /routing strategy/.test(err.message)) {
      throw configError(
        "routing-strategy",
        config.routingStrategy,
        config.sourceOf("routing-strategy"),
        err.message,
      );
    }
    throw err;
  }
}

/**
 * Runs pmmux until SIGINT/SIGTERM. Resolves with the process exit code.
 */
export async function run(argv: readonly string[]): Promise<number> {
  let config: Config;
  let plugins: LoadedPlugins;
  try {
    plugins = await loadPlugins(await loadProcessConfig(argv, null), { cwd: process.cwd() });
    config = await loadProcessConfig(argv, plugins.strategies);
  } catch (err) {
    return fail(err);
  }
  let fileSink: FileSink | undefined;
  try {
    fileSink = config.logDirectory
      ? createFileSink({
        directory: config.logDirectory,
        maxSize: config.logFileMaxSize,
        maxRetain: config.logFileMaxRetain,
        onError: (err) => console.error(`pmmux: cannot write log file: ${err.message}`),
      })
      : undefined;
  } catch (err) {
    return fail(
      configError(
        "log-directory",
        config.logDirectory,
        config.sourceOf("log-directory"),
        (err as Error).message,
      ),
    );
  }
  const logger = createLogger({
    level: config.verbosity,
    format: config.logFormat,
    sinks: fileSink ? [stderrSink(), fileSink] : [stderrSink()],
  });
  // Handlers go in before the first listener opens, so a signal during startup is not fatal.
  let received: string | undefined;
  let onSignal: (signal: string) => void = (signal) => void (received = signal);
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  let app: App & { tlsStore?: CertificateStore };
  let portMaps: PortMapManager | undefined;
  let management: HttpServer | undefined;
  let acme: Acme | undefined;
  let otlp: OtlpExporter | undefined;
  try {
    const net = await runtimeAdapter();
    plugins.extensions.forEach((x) => logger.info(describeExtension(x)));
    // Features load only when configured: each pulls in libraries worth megabytes of memory (ACME's HTTP
    // client, node-forge, the NAT client, Hono), which a plain multiplexer does not need.
    const tlsModule = config.tlsEnable ? await import("../tls/from_config.ts") : undefined;
    acme = config.acmeCertificates.length > 0
      ? (await import("../acme/mod.ts")).createAcmeFromConfig(config, { net, logger })
      : undefined;
    // The http-01 negotiator goes right after TLS, ahead of the extensions' negotiators and of probing.
    const negotiators = acme?.negotiator ? [acme.negotiator, ...plugins.negotiators] : plugins.negotiators;
    app = buildApp(config, net, logger, { ...plugins, negotiators }, tlsModule?.createTlsFromConfig);
    if (acme && app.tlsStore) acme.manager.installStored(app.tlsStore);
    logger.info(`pmmux ${VERSION} on ${net.runtime}${config.configFile ? ` with ${config.configFile}` : ""}`);
    otlp = config.otlpEnable
      ? (await import("../metrics/otlp/mod.ts")).createOtlpFromConfig(config, {
        metrics: app.services.metrics,
        logger: logger.child("otlp"),
        version: VERSION,
      })
      : undefined;
    await app.start();
    // The NAT client loads when a binding asks for a mapping, or for the management API's port-map routes.
    if (config.managementEnable || config.portBindings.some((b) => b.publicPort !== "!")) {
      portMaps = (await import("../nat/mod.ts")).createPortMapping(config, app, logger);
      await portMaps.start();
    }
    acme?.manager.start({ listeners: app.listeners, portMaps });
    if (config.managementEnable) {
      const { serveManagement } = await import("../management/mod.ts");
      const { acmeDeps } = await import("../management/acme.ts");
      management = await serveManagement(net, {
        app,
        ...acmeDeps(acme?.manager),
        token: config.managementToken,
        corsOrigins: config.managementCorsOrigins,
        ui: config.managementUiEnable,
        portMaps,
        tls: app.tlsStore,
        reload: async () => {
          const err = await reloadFromFile(app, argv, logger, plugins.strategies);
          if (err) throw err;
        },
        version: VERSION,
      }, { hostname: config.managementBindAddress, port: config.managementPort });
      const ui = config.managementUiEnable ? ", web UI at /" : "";
      logger.info(`Management API on http://${formatAddr(management.addr)}${ui}`);
    }
    otlp?.start();
  } catch (err) {
    return fail(err);
  }
  return await new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      logger.info(`${signal} received: stopping (grace ${config.shutdownGrace} ms)`);
      const closing = Promise.all([management?.close().catch(() => {}), acme?.manager.stop()]);
      // The final OTLP export waits for connections and port mappings to close: it carries their last counts.
      const stopped = app.stop(config.shutdownGrace).finally(() => portMaps?.stop());
      stopped.finally(() => otlp?.stop()).finally(() => closing).then(() => {
        logger.info("Stopped");
        return fileSink?.flush();
      }).then(() => {
        resolve(0);
      }, (err) => {
        logger.error(`Shutdown failed: ${(err as Error).message}`);
        resolve(1);
      });
    };
    if (received) stop(received);
    else onSignal = stop;
    process.on("SIGHUP", () => void reloadFromFile(app, argv, logger, plugins.strategies));
  });
}

function fail(err: unknown): number {
  flushStderrLog(); // the log lines before it come first
  if (err instanceof ConfigError) {
    console.error(`pmmux: ${err.message}`);
    return 2;
  }
  console.error(`pmmux: ${(err as Error)?.message ?? String(err)}`);
  return 1;
}

/**
 * Re-reads the configuration (SIGHUP, `POST /api/reload`) and applies the difference. A configuration that
 * fails validation is rejected whole; the error is logged and returned, and the running configuration stays.
 * TLS, management and NAT options take effect at the next start.
 */
export async function reloadFromFile(
  app: App,
  argv: readonly string[],
  logger: Logger,
  strategies: readonly { name: string }[] = STRATEGIES,
): Promise<Error | undefined> {
  try {
    const config = await loadProcessConfig(argv, strategies);
    await app.reload({
      backends: config.backends,
      listeners: listenersOf(config, logger),
      routingStrategy: config.routingStrategy,
      healthChecks: config.healthChecks,
    }).catch((err) => {
      if (err instanceof BackendConfigError) {
        const spec = config.backends[err.index];
        throw configError(
          "backend",
          `${spec.name}:${spec.protocol}`,
          config.sourceOf("backend", err.index),
          err.message,
        );
      }
      throw err;
    });
    return undefined;
  } catch (err) {
    logger.error(`Reload rejected, the running configuration stays: ${(err as Error).message}`);
    return err as Error;
  }
}
