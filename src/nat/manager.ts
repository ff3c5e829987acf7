/**
 * The port map manager (SPEC §13): maps every binding whose public part is not `!` on the NAT device, renews
 * each mapping before it expires, retries failures with exponential backoff, and deletes every mapping on stop.
 * One run at a time works through the mappings that are due, so requests never overlap and never loop.
 * (Longer than most files: it is one state machine; its stateless parts live in `schedule.ts`, `requests.ts`,
 * `map_entry.ts` and `status.ts`.)
 *
 * @module
 */
import type { PortBinding } from "../config/spec_shapes.ts";
import type { Transport } from "../detect/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { type Clock, systemClock } from "./clock.ts";
import {
  checkPort,
  findClash,
  findEntry,
  type PortMapChange,
  type PortMapRequest,
  type PortMapSelector,
  transportOf,
} from "./requests.ts";
import { mapEntry } from "./map_entry.ts";
import { backoffDelay, seconds } from "./schedule.ts";
import { applyGrant, describeEntry, type Entry, type PortMapStatus, toStatus } from "./status.ts";
import { type MapResult, type NatClient, type NatDevice, NatUnreachableError } from "./types.ts";

/** Deleting the mappings on stop gives up after this many milliseconds. */
const STOP_TIMEOUT = 10000;

/** Options for {@linkcode PortMapManager}. */
export interface PortMapManagerOptions {
  /** The port bindings; those whose public part is not `!` are mapped. */
  bindings: readonly PortBinding[];
  /** Creates the NAT client; called only once a mapping is needed, so nothing is discovered otherwise. */
  client: () => NatClient;
  logger: Logger;
  metrics: Metrics;
  /** Requested lifetime in seconds (`--port-map-lifetime`). @default 7200 */
  lifetime?: number;
  /** Seconds before expiry at which a mapping is renewed (`--port-map-renewal-lead`). @default 10 */
  renewalLead?: number;
  /** Whether a failed discovery or mapping at start is fatal (`--port-map-required`). @default false */
  required?: boolean;
  /** Milliseconds start() may take for discovery plus the initial mappings (`--bind-timeout`). @default 30000 */
  bindTimeout?: number;
  /** Retry backoff in milliseconds: first delay, doubled per failure up to `max`. @default {initial: 5000, max: 120000} */
  retry?: { initial?: number; max?: number };
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Random numbers in [0, 1) for `?:?` local port candidates. @default Math.random */
  random?: () => number;
  /** Called when a `?` local port of a binding gets its port, so its listener can be opened. */
  onLocalPortAssigned?: (binding: PortBinding, transport: Transport, localPort: number) => void;
}

/**
 * Keeps the NAT mappings of pmmux. Runtime API for the management server:
 *
 * - `device()` → the NAT device `{protocol: "Upnp"|"Pmp", gateway, publicAddress}` or `undefined` when none is
 *   known (`GET /api/port-maps/device`, 404 when undefined);
 * - `list()` → `PortMapStatus[]` (`GET /api/port-maps`);
 * - `add({networkProtocol, localPort?, publicPort?})` → resolves with the mapping once the device granted it
 *   (201), rejects with `RangeError` for a duplicate or bad request (409/400) and with `Error` when the device
 *   failed (502; the mapping is then not kept);
 * - `remove({networkProtocol, localPort?, publicPort?})` → resolves with the removed mapping, `undefined` when
 *   none matches (404), rejects with `Error` when the device did not delete it (502; pmmux forgets it anyway);
 * - `onChange(fn)` → calls `fn` with every device or mapping change; returns the unsubscribe function.
 *
 * @example
 * const manager = new PortMapManager({ bindings, client: () => createNatClient({}), logger, metrics });
 * await manager.start(); // never longer than bindTimeout; throws only when `required`
 * manager.list(); // [{ networkProtocol: "Tcp", localPort: 8080, publicPort: 8080, status: "Active", ... }]
 * await manager.stop(); // deletes every mapping
 */
export class PortMapManager {
  #o: PortMapManagerOptions;
  #clock: Clock;
  #log: Logger;
  #entries: Entry[] = [];
  #client: NatClient | undefined;
  #device: NatDevice | undefined;
  #deviceFailures = 0;
  #deviceWarned: string | undefined;
  #hadDevice = false;
  #timer: unknown;
  #timerAt = Infinity;
  #running: Promise<void> | undefined;
  #abort = new AbortController();
  #stopping: Promise<void> | undefined;
  #listeners = new Set<(change: PortMapChange) => void>();

  constructor(options: PortMapManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger;
    for (const binding of options.bindings) {
      if (binding.publicPort === "!") continue;
      const siblings: Entry[] = [];
      for (const transport of binding.transports) {
        siblings.push(this.#entry(transport, binding.publicPort, binding.localPort, binding, siblings));
      }
    }
  }

  /** The NAT device in use, `undefined` when none has answered (yet). */
  device(): { protocol: "Upnp" | "Pmp"; gateway: string; publicAddress: string } | undefined {
    return this.#device ? { ...this.#device } : undefined;
  }

  /** Every mapping pmmux keeps, in configuration order, then those added at run time. */
  list(): PortMapStatus[] {
    return this.#entries.map(toStatus);
  }

  /** Subscribes to changes; returns the function that unsubscribes. */
  onChange(fn: (change: PortMapChange) => void): () => void {
    this.#listeners.add(fn);
    return () => void this.#listeners.delete(fn);
  }

  /**
   * Discovers the device and creates the initial mappings. Returns once every mapping was tried or after
   * `bindTimeout`, whichever comes first; failures are retried in the background. Does nothing (no discovery)
   * when no binding needs a mapping.
   *
   * @throws {Error} when `required` and discovery or a mapping failed or did not finish in time; the mappings
   *   already made are deleted first.
   */
  async start(): Promise<void> {
    if (this.#entries.length === 0) {
      this.#log.debug("No port binding asks for a NAT mapping: no discovery");
      return;
    }
    const timeout = this.#o.bindTimeout ?? 30000;
    let timer: unknown;
    const expired = new Promise<"timeout">((r) =>
      timer = this.#clock.setTimeout(() => r("timeout"), timeout)
    );
    const outcome = await Promise.race([this.#kick().then(() => "done" as const), expired]);
    this.#clock.clearTimeout(timer);
    const failed = this.#entries.filter((e) => e.status !== "Active");
    if (this.#o.required && (outcome === "timeout" || failed.length > 0)) {
      const reason = outcome === "timeout"
        ? `discovery and the initial mappings did not finish within ${timeout} ms (--bind-timeout)`
        : failed.map((e) => `${describeEntry(e)}: ${e.error}`).join("; ");
      await this.stop();
      throw new Error(`NAT port mapping failed and --port-map-required is set: ${reason}`);
    }
    if (outcome === "timeout") {
      this.#log.warn(
        `NAT discovery and the initial mappings did not finish within ${timeout} ms (--bind-timeout): ` +
          "serving the local listeners, mapping continues in the background",
      );
    }
  }

  /**
   * Adds a mapping at run time and resolves once the device granted it.
   *
   * @throws {RangeError} for a bad port or network protocol, or a mapping that exists already.
   * @throws {Error} when discovery or the mapping failed (the mapping is not kept).
   */
  async add(request: PortMapRequest): Promise<PortMapStatus> {
    if (this.#stopping) throw new Error("Cannot add a port mapping: port mapping is stopping");
    const transport = transportOf(request.networkProtocol);
    const local = request.localPort === undefined ? "?" : checkPort(request.localPort, "local");
    const pub = request.publicPort === undefined ? local : checkPort(request.publicPort, "public");
    const clash = findClash(this.#entries, transport, local, pub);
    if (clash) throw new RangeError(`Port mapping ${describeEntry(clash)} exists already`);
    const entry = this.#entry(transport, pub, local, undefined, []);
    const first = new Promise<Error | undefined>((resolve) => entry.settle = resolve);
    this.#notify({ type: "mapping", mapping: toStatus(entry) });
    void this.#kick();
    const error = await first;
    if (error) {
      this.#entries = this.#entries.filter((e) => e !== entry);
      this.#gauge();
      this.#notify({ type: "removed", mapping: toStatus(entry) });
      throw error;
    }
    return toStatus(entry);
  }

  /**
   * Removes a mapping at run time and deletes it on the device.
   *
   * @returns The removed mapping, `undefined` when none matches.
   * @throws {RangeError} for a bad network protocol or when neither port is given.
   * @throws {Error} when the device did not delete it (pmmux forgets it anyway; it lapses at expiry).
   */
  async remove(selector: PortMapSelector): Promise<PortMapStatus | undefined> {
    const transport = transportOf(selector.networkProtocol);
    if (selector.localPort === undefined && selector.publicPort === undefined) {
      throw new RangeError("Cannot remove a port mapping: give its localPort or publicPort");
    }
    const entry = findEntry(this.#entries, transport, selector);
    if (!entry) return undefined;
    this.#entries = this.#entries.filter((e) => e !== entry);
    await this.#running;
    const status = toStatus(entry);
    try {
      await this.#delete(entry, this.#abort.signal);
    } finally {
      this.#gauge();
      this.#notify({ type: "removed", mapping: status });
    }
    return status;
  }

  /** Stops renewing and deletes every mapping on the device (bounded in time). Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#clock.clearTimeout(this.#timer);
      this.#timerAt = Infinity;
      this.#abort.abort(new Error("Port mapping stopped"));
      await this.#running;
      const client = this.#client;
      if (!client) return;
      const unmapAll = (async () => {
        for (const e of this.#entries) {
          try {
            await this.#delete(e);
          } catch { /* logged by #delete */ }
        }
      })();
      let timer: unknown;
      const expired = new Promise<void>((r) => timer = this.#clock.setTimeout(r, STOP_TIMEOUT));
      await Promise.race([unmapAll, expired]);
      this.#clock.clearTimeout(timer);
      this.#gauge();
      await client.close().catch(() => {});
    })();
    return this.#stopping;
  }

  #entry(
    transport: Transport,
    wantPublic: number | "?",
    wantLocal: number | "?",
    binding: PortBinding | undefined,
    siblings: Entry[],
  ): Entry {
    const entry: Entry = {
      transport,
      wantPublic,
      wantLocal,
      binding,
      siblings,
      status: "Pending",
      failures: 0,
      dueAt: this.#clock.now(),
      ...(typeof wantLocal === "number" ? { localPort: wantLocal } : {}),
    };
    this.#entries.push(entry);
    return entry;
  }

  /** Starts a run now (after the current one) and settles when it is over. */
  #kick(): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    const previous = this.#running ?? Promise.resolve();
    const run: Promise<void> = previous.then(() => this.#run()).finally(() => {
      if (this.#running === run) this.#running = undefined;
      this.#schedule();
    });
    this.#running = run;
    return run;
  }

  /** Sets the timer for the earliest due entry. Delays have floors, so there is never a tight loop. */
  #schedule(): void {
    if (this.#stopping || this.#running) return;
    const next = Math.min(...this.#entries.map((e) => e.dueAt));
    if (!Number.isFinite(next) || next === this.#timerAt) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timerAt = Infinity;
      void this.#kick();
    }, Math.max(0, next - this.#clock.now()));
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const now = this.#clock.now();
    const due = this.#entries.filter((e) => e.dueAt <= now);
    if (due.length === 0 || signal.aborted) return;
    if (!this.#device && !(await this.#discover(due, signal))) return;
    for (const e of due) {
      if (signal.aborted) return;
      if (!this.#entries.includes(e)) continue;
      await this.#map(e, signal);
      if (!this.#device) {
        // The device stopped answering: the others wait for the next discovery.
        for (const rest of due) {
          if (rest.dueAt <= now && rest !== e) this.#fail(rest, e.error!, rest.status === "Active");
        }
        return;
      }
    }
  }

  async #discover(due: Entry[], signal: AbortSignal): Promise<boolean> {
    this.#client ??= this.#o.client();
    try {
      this.#device = await this.#client.discover(signal);
    } catch (err) {
      if (signal.aborted) return false;
      this.#deviceFailures++;
      const message = (err as Error).message;
      const delay = this.#delay(this.#deviceFailures);
      this.#o.metrics.add("portmap.discovery.total", 1, { result: "failure" });
      if (this.#deviceWarned !== message) {
        this.#deviceWarned = message;
        this.#log.warn(`${message}; serving the local listeners, retrying in ${seconds(delay)}`);
      } else {
        this.#log.debug(`${message}; retrying in ${seconds(delay)}`);
      }
      for (const e of due) this.#fail(e, message, false, delay);
      return false;
    }
    const d = this.#device;
    this.#o.metrics.add("portmap.discovery.total", 1, { result: "success" });
    this.#o.metrics.set("portmap.device.available", 1);
    this.#log.info(
      `NAT device found: ${
        d.protocol === "Pmp" ? "NAT-PMP" : "UPnP"
      } gateway ${d.gateway}, public address ${d.publicAddress}`,
    );
    this.#deviceFailures = 0;
    this.#deviceWarned = undefined;
    if (this.#hadDevice) {
      // The device may have restarted and forgotten our mappings: renew them all now.
      const now = this.#clock.now();
      for (const e of this.#entries) {
        if (e.status === "Active" && !due.includes(e)) due.push(e), e.dueAt = now;
      }
    }
    this.#hadDevice = true;
    this.#notify({ type: "device", device: this.device() });
    return true;
  }

  async #map(e: Entry, signal: AbortSignal): Promise<void> {
    const client = this.#client!;
    const renewal = e.status === "Active";
    const metric = renewal ? "portmap.renewal.total" : "portmap.mapping.total";
    let local: number;
    let result: MapResult;
    try {
      ({ localPort: local, result } = await mapEntry(client, e, {
        lifetime: this.#o.lifetime ?? 7200,
        random: this.#o.random ?? Math.random,
        signal,
      }));
    } catch (err) {
      if (signal.aborted) return e.settle?.(err as Error);
      this.#o.metrics.add(metric, 1, { result: "failure" });
      if (err instanceof NatUnreachableError) this.#lose((err as Error).message);
      // A refused request created nothing; a lost answer may have, so stop() still deletes that one.
      else if (e.publicPort === undefined) e.requested = undefined;
      this.#fail(e, (err as Error).message, renewal);
      return;
    }
    const { assigned, moved, recovered } = applyGrant(e, local, result, {
      now: this.#clock.now(),
      renewalLead: this.#o.renewalLead ?? 10,
    });
    this.#o.metrics.add(metric, 1, { result: "success" });
    this.#gauge();
    const where = `${this.#device!.publicAddress}:${result.publicPort}`;
    if (recovered || moved) {
      this.#log.info(
        `Port mapping ${e.transport.toUpperCase()} ${where} -> local port ${local} active` +
          ` (${result.lifetime > 0 ? `lifetime ${result.lifetime} s` : "permanent"})`,
      );
    } else if (this.#log.enabled("debug")) {
      this.#log.debug(`Port mapping ${e.transport.toUpperCase()} ${where} -> local port ${local} renewed`);
    }
    if (assigned && e.binding) {
      try {
        this.#o.onLocalPortAssigned?.(e.binding, e.transport, local);
      } catch (err) {
        this.#log.error(`Cannot use the assigned local port ${local}: ${(err as Error).message}`);
      }
    }
    this.#notify({ type: "mapping", mapping: toStatus(e) });
    e.settle?.();
    e.settle = undefined;
  }

  /** Records a failed attempt and schedules the retry. */
  #fail(e: Entry, message: string, renewal: boolean, delay = this.#delay(e.failures + 1)): void {
    e.failures++;
    e.status = e.expiresAt !== undefined && e.expiresAt > this.#clock.now() ? "Active" : "Failed";
    if (e.status === "Failed" && e.expiresAt !== undefined) e.expiresAt = undefined;
    e.error = message;
    e.dueAt = this.#clock.now() + delay;
    const what = `${renewal ? "Cannot renew" : "Cannot map"} ${describeEntry(e)}: ${message}`;
    // Discovery failures were warned about once for all mappings already.
    if (e.warned !== message && message !== this.#deviceWarned) {
      this.#log.warn(`${what}; serving the local listeners, retrying in ${seconds(delay)}`);
    } else {
      this.#log.debug(`${what}; retrying in ${seconds(delay)}`);
    }
    e.warned = message;
    this.#gauge();
    this.#notify({ type: "mapping", mapping: toStatus(e) });
    e.settle?.(new Error(what));
    e.settle = undefined;
  }

  /** Forgets the device after it stopped answering; the next run discovers again. */
  #lose(message: string): void {
    if (!this.#device) return;
    this.#log.warn(`NAT device ${this.#device.gateway} stopped answering: ${message}; retrying with backoff`);
    this.#device = undefined;
    // The mappings failing with the same message need no warning of their own.
    this.#deviceWarned = message;
    this.#o.metrics.set("portmap.device.available", 0);
    this.#notify({ type: "device", device: undefined });
  }

  /** Deletes an entry's mapping on the device, when one may exist. */
  async #delete(e: Entry, signal?: AbortSignal): Promise<void> {
    const requested = e.requested;
    if (!this.#client || !requested) return;
    const target = {
      transport: e.transport,
      localPort: e.localPort ?? requested.localPort,
      publicPort: e.publicPort ?? requested.publicPort,
    };
    const known = e.publicPort !== undefined;
    e.requested = undefined;
    try {
      await this.#client.unmap(target, signal);
      this.#o.metrics.add("portmap.removal.total", 1, { result: "success" });
      if (known) this.#log.info(`Port mapping ${describeEntry(e)} deleted`);
    } catch (err) {
      this.#o.metrics.add("portmap.removal.total", 1, { result: "failure" });
      const message = `Cannot delete port mapping ${describeEntry(e)}: ${(err as Error).message}`;
      if (known) this.#log.warn(message);
      else this.#log.debug(message);
      if (known) throw new Error(message, { cause: err });
    } finally {
      e.status = "Pending";
      e.expiresAt = undefined;
    }
  }

  #delay(failures: number): number {
    return backoffDelay(failures, this.#o.retry?.initial ?? 5000, this.#o.retry?.max ?? 120000);
  }

  #gauge(): void {
    this.#o.metrics.set("portmap.mappings.active", this.#entries.filter((e) => e.status === "Active").length);
  }

  #notify(change: PortMapChange): void {
    for (const fn of this.#listeners) {
      try {
        fn(change);
      } catch (err) {
        this.#log.error(`Port map change listener failed: ${(err as Error).message}`);
      }
    }
  }
}
