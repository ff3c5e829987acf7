/**
 * The health monitor (SPEC §11): runs each backend's check on its spec's schedule, applies the state machine,
 * logs every status change with its reason and records `backend.status` / `backend.health_check.total`.
 *
 * @module
 */
import type { BackendEntry, BackendTable, HealthStatus } from "../core/registry.ts";
import type { HealthCheckSpec } from "../config/spec.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { nextHealth } from "./state.ts";
import { specFor } from "./select.ts";

/** Numeric value of each status for the `backend.status` gauge. */
export const STATUS_CODE: Readonly<Record<HealthStatus, number>> = {
  Unknown: 0,
  Healthy: 1,
  Degraded: 2,
  Stabilizing: 3,
  Unhealthy: 4,
  Draining: 5,
  Stopped: 6,
};

interface Job {
  entry: BackendEntry;
  spec: HealthCheckSpec;
  timer: ReturnType<typeof setTimeout> | undefined;
  running: AbortController | undefined;
  stopped: boolean;
}

/** Options for {@linkcode HealthMonitor}. */
export interface HealthMonitorOptions {
  tables: readonly BackendTable[];
  specs?: readonly HealthCheckSpec[];
  logger: Logger;
  metrics: Metrics;
}

/** Schedules health checks for every backend that has an applicable spec. */
export class HealthMonitor {
  #tables: readonly BackendTable[];
  #specs: HealthCheckSpec[];
  #jobs = new Map<BackendEntry, Job>();
  #log: Logger;
  #metrics: Metrics;
  #listeners = new Set<(entry: BackendEntry, previous: HealthStatus) => void>();

  constructor(options: HealthMonitorOptions) {
    this.#tables = options.tables;
    this.#specs = [...(options.specs ?? [])];
    this.#log = options.logger;
    this.#metrics = options.metrics;
  }

  /** The health-check specs in force. */
  get specs(): readonly HealthCheckSpec[] {
    return this.#specs;
  }

  /** Subscribes to status changes; returns the unsubscribe function. */
  onChange(fn: (entry: BackendEntry, previous: HealthStatus) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Adds a spec (throws on a duplicate of the same protocol/backend) and applies it. */
  add(spec: HealthCheckSpec): void {
    if (this.#specs.some((s) => s.protocol === spec.protocol && s.backend === spec.backend)) {
      throw new RangeError(`Duplicate health check for ${describe(spec)}`);
    }
    this.#specs.push(spec);
    this.sync();
  }

  /** Removes the spec for a protocol/backend pair; returns false when none matched. */
  remove(protocol: string | undefined, backend: string | undefined): boolean {
    const i = this.#specs.findIndex((s) => s.protocol === protocol && s.backend === backend);
    if (i < 0) return false;
    this.#specs.splice(i, 1);
    this.sync();
    return true;
  }

  /** Replaces every spec (config reload). */
  setSpecs(specs: readonly HealthCheckSpec[]): void {
    this.#specs = [...specs];
    this.sync();
  }

  /**
   * Reconciles running jobs with the tables and specs: starts checks for new backends, stops those of removed
   * ones, and returns a backend whose last applicable spec is gone to Unknown.
   */
  sync(): void {
    const live = new Set<BackendEntry>();
    for (const table of this.#tables) {
      for (const entry of table.entries) {
        live.add(entry);
        const spec = specFor(this.#specs, entry.protocol.name, entry.name);
        const job = this.#jobs.get(entry);
        if (job && job.spec === spec) continue;
        if (job) this.#stop(job);
        if (spec) this.#start(entry, spec);
        else if (job) this.#set(entry, "Unknown", "no health check applies any more");
      }
    }
    for (const [entry, job] of this.#jobs) if (!live.has(entry)) this.#stop(job);
  }

  /** Stops every check. */
  stop(): void {
    for (const job of [...this.#jobs.values()]) this.#stop(job);
  }

  #start(entry: BackendEntry, spec: HealthCheckSpec): void {
    const job: Job = { entry, spec, timer: undefined, running: undefined, stopped: false };
    this.#jobs.set(entry, job);
    job.timer = setTimeout(() => this.#run(job), spec.initialDelay);
  }

  #stop(job: Job): void {
    job.stopped = true;
    if (job.timer !== undefined) clearTimeout(job.timer);
    job.running?.abort();
    if (this.#jobs.get(job.entry) === job) this.#jobs.delete(job.entry);
  }

  async #run(job: Job): Promise<void> {
    if (job.stopped) return;
    const { entry, spec } = job;
    const ac = new AbortController();
    job.running = ac;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let reason = "check passed";
    let ok = true;
    const started = Date.now();
    try {
      const check = entry.handler.check?.({ signal: ac.signal, params: spec.params }) ?? Promise.resolve();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ac.abort();
          reject(new Error(`timed out after ${spec.timeout} ms`));
        }, spec.timeout);
      });
      await Promise.race([check, timeout]);
    } catch (err) {
      ok = false;
      reason = (err as Error)?.message ?? String(err);
    } finally {
      clearTimeout(timer);
      job.running = undefined;
    }
    if (job.stopped) return;
    if (this.#log.enabled("debug")) {
      this.#log.debug(
        `Check of "${entry.name}" (${entry.transport.toUpperCase()}) ${ok ? "passed" : `failed: ${reason}`}`,
      );
    }
    entry.lastHealthCheck = new Date();
    const labels = { backend: entry.name, protocol: entry.transport === "tcp" ? "Tcp" : "Udp" };
    this.#metrics.add("backend.health_check.total", 1, { ...labels, result: ok ? "success" : "failure" });
    this.#metrics.observe("backend.health_check.duration", Date.now() - started, labels);
    const next = nextHealth(
      {
        status: entry.status,
        failures: entry.healthCheckFailureCount,
        successes: entry.healthCheckSuccessCount,
      },
      ok,
      spec,
    );
    entry.healthCheckFailureCount = next.failures;
    entry.healthCheckSuccessCount = next.successes;
    if (next.status !== entry.status) this.#set(entry, next.status, reason);
    job.timer = setTimeout(() => this.#run(job), spec.interval);
  }

  #set(entry: BackendEntry, status: HealthStatus, reason: string): void {
    const previous = entry.status;
    entry.status = status;
    entry.statusReason = reason;
    if (status === "Unknown") {
      entry.healthCheckFailureCount = 0;
      entry.healthCheckSuccessCount = 0;
    }
    const labels = { backend: entry.name, protocol: entry.transport === "tcp" ? "Tcp" : "Udp" };
    this.#metrics.set("backend.status", STATUS_CODE[status], labels);
    this.#log.info(
      `Backend "${entry.name}" (${entry.transport.toUpperCase()}) ${previous} -> ${status}: ${reason}`,
    );
    for (const fn of this.#listeners) fn(entry, previous);
  }
}

function describe(spec: HealthCheckSpec): string {
  if (spec.backend) return `backend "${spec.backend}" (${spec.protocol})`;
  if (spec.protocol) return `protocol "${spec.protocol}"`;
  return "every backend";
}
