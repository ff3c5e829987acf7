/**
 * The ACME manager (SPEC §14): installs the stored certificates into the TLS store before anything else (so a
 * restart serves them even when the CA is unreachable), obtains the missing ones, renews each within the
 * renewal lead, and retries failures with exponential backoff for as long as it runs. Attempts run one at a
 * time, so orders never overlap and a port-80 listener is never opened twice.
 *
 * @module
 */
import type { AcmeCertificateSpec } from "../config/tls_spec.ts";
import type { Logger } from "../logging/logger.ts";
import { type Clock, systemClock } from "../nat/clock.ts";
import { type AcmeCertificateStore, installCertificate, parseStored, storeName } from "./install.ts";
import type { ListenerControl, PortMapControl } from "./http01_listener.ts";
import {
  type AcmeState,
  DEFAULT_RETRY,
  type Facts,
  type HeldCertificate,
  nextAttemptAt,
  type RetryPolicy,
  stateOf,
} from "./state.ts";
import type { AcmeStorage } from "./storage.ts";
import type { AcmeIssuer, ChallengeSolver } from "./types.ts";

export { type AcmeCertificateStore, storeName } from "./install.ts";

/** A certificate as `GET /api/acme/certificates` lists it. */
export interface AcmeCertificateStatus {
  /** Main domain. */
  readonly domain: string;
  /** The other names asked for. */
  readonly sans: readonly string[];
  /** `http-01` or `dns-01`. */
  readonly challenge: string;
  readonly state: AcmeState;
  /** End of validity of the certificate held, ISO 8601 UTC; null when none is held. */
  readonly notAfter: string | null;
  /** Why the last attempt failed; null after a success or before any attempt. */
  readonly lastError: string | null;
  /** When the next attempt is due, ISO 8601 UTC; null while one runs or when ACME is disabled. */
  readonly nextAttempt: string | null;
}

/** What `start()` gets from the running app. */
export interface AcmeRuntime {
  /** The app's listeners (http-01 opens a temporary port-80 listener when none serves it). */
  readonly listeners?: ListenerControl;
  /** Port mapping, when pmmux maps ports. */
  readonly portMaps?: PortMapControl;
}

/** Options of {@linkcode AcmeManager}. */
export interface AcmeManagerOptions {
  /** The certificates to keep (`--acme-certificate`). */
  readonly certificates: readonly AcmeCertificateSpec[];
  readonly storage: AcmeStorage;
  /** Runs orders; absent = nothing is obtained or renewed (`--acme-disable`), stored ones are still served. */
  readonly issuer?: AcmeIssuer;
  /** Makes the solver of a certificate once the app runs. */
  readonly solver: (spec: AcmeCertificateSpec, runtime: AcmeRuntime) => ChallengeSolver;
  /** Days before expiry at which renewal starts (`--acme-renewal-lead`). @default 30 */
  readonly renewalLeadDays?: number;
  /** Backoff after failures. @default DEFAULT_RETRY */
  readonly retry?: RetryPolicy;
  /** @default systemClock */
  readonly clock?: Clock;
  readonly logger: Logger;
}

/** Timers are re-armed at least this often, so a far renewal is not lost to timer overflow. */
const MAX_TIMER = 24 * 3_600_000;
const DAY = 24 * 3_600_000;

interface Entry {
  readonly spec: AcmeCertificateSpec;
  /** Name in the TLS store. */
  readonly name: string;
  readonly wanted: readonly string[];
  held?: HeldCertificate;
  failures: number;
  failedAt: number;
  busy: boolean;
  forced: boolean;
  queued: boolean;
  lastError?: string;
  timer?: unknown;
  solver?: ChallengeSolver;
}

/**
 * Keeps the ACME certificates.
 *
 * @example
 * ```ts
 * const manager = new AcmeManager({ certificates, storage, issuer, solver, logger });
 * manager.installStored(app.tlsStore); // before the listeners open
 * await app.start();
 * manager.start({ listeners: app.listeners, portMaps });
 * manager.list(); // [{ domain: "example.com", state: "Validating", ... }]
 * await manager.stop();
 * ```
 */
export class AcmeManager {
  #o: AcmeManagerOptions;
  #clock: Clock;
  #log: Logger;
  #leadMs: number;
  #retry: RetryPolicy;
  #entries: Entry[];
  #store: AcmeCertificateStore | undefined;
  #runtime: AcmeRuntime | undefined;
  #queue: Entry[] = [];
  #working: Promise<void> | undefined;
  #stopped = false;
  #warnedMappings = new Set<string>();

  constructor(options: AcmeManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger;
    this.#leadMs = (options.renewalLeadDays ?? 30) * DAY;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#entries = options.certificates.map((spec) => ({
      spec,
      name: storeName(spec.domain),
      wanted: [...new Set([spec.domain, ...spec.san])],
      failures: 0,
      failedAt: 0,
      busy: false,
      forced: false,
      queued: false,
    }));
  }

  /** Whether certificates are obtained and renewed (false with `--acme-disable`). */
  get issuing(): boolean {
    return this.#o.issuer !== undefined;
  }

  /**
   * Installs every stored certificate into the TLS store and maps its names to it. Needs nothing but the
   * storage directory. A stored file that cannot be used is logged and treated as missing.
   *
   * @returns the number installed
   */
  installStored(store: AcmeCertificateStore): number {
    this.#store = store;
    let installed = 0;
    for (const e of this.#entries) {
      let text: string | undefined;
      try {
        text = this.#o.storage.readCertificate(e.spec.domain);
        if (text === undefined) continue;
        this.#install(e, text);
        installed++;
        this.#log.info(
          `Serving the stored ACME certificate for "${e.spec.domain}" (valid until ${
            new Date(e.held!.notAfterMs).toISOString()
          })`,
        );
      } catch (err) {
        this.#log.warn(
          `Cannot use the stored certificate ${this.#o.storage.certificatePath(e.spec.domain)}: ${
            (err as Error).message
          }`,
        );
      }
    }
    return installed;
  }

  /** Starts obtaining and renewing (nothing happens with `--acme-disable`). Call after `installStored()`. */
  start(runtime: AcmeRuntime = {}): void {
    this.#runtime = runtime;
    if (!this.issuing) {
      this.#log.info("ACME is disabled (--acme-disable): stored certificates are served, none is requested");
      return;
    }
    for (const e of this.#entries) this.#schedule(e);
  }

  /** Every certificate, in configuration order. */
  list(): AcmeCertificateStatus[] {
    return this.#entries.map((e) => this.#status(e));
  }

  /**
   * Asks for a renewal now, whatever the schedule and the backoff.
   *
   * @param domain the main domain (any case)
   * @returns its status, undefined when no certificate has that domain
   * @throws {RangeError} when ACME is disabled or not started
   */
  renew(domain: string): AcmeCertificateStatus | undefined {
    const e = this.#entries.find((x) => x.spec.domain === domain.toLowerCase().replace(/\.$/, ""));
    if (!e) return undefined;
    if (!this.issuing) throw new RangeError("ACME is disabled (--acme-disable)");
    if (this.#runtime === undefined || this.#stopped) throw new RangeError("ACME is not running");
    if (!e.busy) {
      e.forced = true;
      this.#schedule(e);
    }
    return this.#status(e);
  }

  /** Resolves once no attempt runs or waits in the queue (tests). */
  async idle(): Promise<void> {
    while (this.#working) await this.#working;
  }

  /** Stops: no further attempts; waits at most `grace` ms for one that runs. Idempotent. */
  async stop(grace = 2000): Promise<void> {
    this.#stopped = true;
    this.#queue = [];
    for (const e of this.#entries) this.#clock.clearTimeout(e.timer);
    if (this.#working) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.#working, new Promise((r) => timer = setTimeout(r, grace))]);
      clearTimeout(timer);
    }
  }

  #facts(e: Entry): Facts {
    return e;
  }

  #status(e: Entry): AcmeCertificateStatus {
    const now = this.#clock.now();
    const next = this.issuing && !e.busy && !this.#stopped
      ? Math.max(now, nextAttemptAt(this.#facts(e), this.#leadMs, this.#retry))
      : undefined;
    return {
      domain: e.spec.domain,
      sans: e.spec.san,
      challenge: e.spec.challenge,
      state: stateOf(this.#facts(e), now, this.#leadMs),
      notAfter: e.held ? new Date(e.held.notAfterMs).toISOString() : null,
      lastError: e.lastError ?? null,
      nextAttempt: next === undefined ? null : new Date(next).toISOString(),
    };
  }

  #schedule(e: Entry): void {
    this.#clock.clearTimeout(e.timer);
    e.timer = undefined;
    if (this.#stopped || !this.issuing || e.busy || e.queued) return;
    const at = nextAttemptAt(this.#facts(e), this.#leadMs, this.#retry);
    const wait = at - this.#clock.now();
    if (wait <= 0) {
      this.#enqueue(e);
      return;
    }
    e.timer = this.#clock.setTimeout(() => this.#schedule(e), Math.min(wait, MAX_TIMER));
  }

  #enqueue(e: Entry): void {
    e.queued = true;
    this.#queue.push(e);
    this.#working ??= this.#work().finally(() => this.#working = undefined);
  }

  async #work(): Promise<void> {
    for (let e = this.#queue.shift(); e && !this.#stopped; e = this.#queue.shift()) {
      e.queued = false;
      await this.#attempt(e);
      this.#schedule(e);
    }
  }

  async #attempt(e: Entry): Promise<void> {
    const { domain } = e.spec;
    e.busy = true;
    e.forced = false;
    const started = this.#clock.now();
    this.#log.info(
      `Requesting a certificate for ${e.wanted.map((n) => `"${n}"`).join(", ")} (${e.spec.challenge})`,
    );
    try {
      e.solver ??= this.#o.solver(e.spec, this.#runtime ?? {});
      const release = await (e.solver.prepare?.() ?? Promise.resolve(async () => {}));
      let issued;
      try {
        issued = await this.#o.issuer!.issue({ domains: e.wanted, solver: e.solver });
      } finally {
        await release();
      }
      this.#install(e, `${issued.keyPem}\n${issued.chainPem}`);
      try {
        this.#o.storage.writeCertificate(domain, issued.keyPem, issued.chainPem);
      } catch (err) {
        // Served all the same: asking the CA again now would only spend its rate limits.
        this.#log.error(
          `Cannot store the certificate for "${domain}" in ${this.#o.storage.dir}: ${
            (err as Error).message
          }; it is served, but will be requested again after a restart`,
        );
      }
      e.failures = 0;
      e.lastError = undefined;
      this.#log.info(
        `Obtained the certificate for "${domain}" in ${this.#clock.now() - started} ms (valid until ${
          new Date(e.held!.notAfterMs).toISOString()
        })`,
      );
    } catch (err) {
      e.failures++;
      e.failedAt = this.#clock.now();
      e.lastError = (err as Error)?.message || String(err);
      const next = nextAttemptAt(this.#facts({ ...e, busy: false }), this.#leadMs, this.#retry);
      this.#log.warn(
        `Cannot obtain a certificate for "${domain}" (attempt ${e.failures}): ${e.lastError}; next attempt in ${
          Math.max(0, Math.round((next - this.#clock.now()) / 1000))
        } s`,
      );
    } finally {
      e.busy = false;
    }
  }

  /** Parses key + chain, installs the certificate, and maps its names (user mappings win). */
  #install(e: Entry, text: string): void {
    const { cert, held } = parseStored(e.name, text);
    e.held = held;
    if (!this.#store) return;
    for (const { hostname, certificate } of installCertificate(this.#store, cert, e.wanted)) {
      if (this.#warnedMappings.has(hostname)) continue;
      this.#warnedMappings.add(hostname);
      this.#log.warn(
        `Host name "${hostname}" stays mapped to certificate "${certificate}": the ACME certificate "${e.name}" is not served for it`,
      );
    }
  }
}
