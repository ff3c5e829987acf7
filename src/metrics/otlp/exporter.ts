/**
 * The OTLP/HTTP metric exporter: a timer takes a snapshot every interval and POSTs it with `fetch`. It never
 * touches the data path (recording stays a map update, SPEC §15): at most one request is in flight, each is
 * bounded by a timeout, failures back off exponentially and are logged once per streak. Series are cumulative,
 * so an export that fails loses nothing: the next one carries the totals.
 *
 * @module
 */
import { clearTimeout, setTimeout } from "node:timers";
import { createLogger, type Logger } from "../../logging/logger.ts";
import type { Metrics } from "../metrics.ts";
import { toExportRequest } from "./request.ts";
import type { OtlpEncoding } from "./types.ts";

/** Options for {@linkcode createOtlpExporter}. */
export interface OtlpExporterOptions {
  /** Where to POST, used as is (the OTLP signal-specific endpoint, e.g. `http://localhost:4318/v1/metrics`). */
  endpoint: string | URL;
  /** How to encode requests (an entry of `OTLP_ENCODINGS`). */
  encoding: OtlpEncoding;
  /** The `service.name` resource attribute. @default "pmmux" */
  serviceName?: string;
  /** pmmux's version: `service.version`, scope version and `User-Agent`. @default undefined (not sent) */
  version?: string;
  /** Milliseconds between exports. @default 60000 */
  interval?: number;
  /** Milliseconds one request (with its response) may take before it is abandoned. @default 10000 */
  timeout?: number;
  /** Longest wait after failed exports, in milliseconds (at least `interval`). @default 300000 */
  maxBackoff?: number;
  /** Where failures and recoveries are logged. @default a logger that writes nothing */
  logger?: Logger;
  /** Clock, in milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /** Start of every cumulative series, in milliseconds since the epoch. @default performance.timeOrigin */
  startTime?: number;
}

/** A running OTLP exporter. */
export interface OtlpExporter {
  /** Starts the periodic exports; the first one is an interval from now. Calling it again does nothing. */
  start(): void;
  /**
   * Exports a snapshot now, after the request in flight if there is one. Never rejects.
   *
   * @returns true when the receiver accepted the export (or there was nothing to export)
   */
  flush(): Promise<boolean>;
  /** Stops the periodic exports and makes one last export (bounded by the timeout). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Creates an exporter that sends `metrics` snapshots to an OTLP/HTTP receiver.
 *
 * @example
 * ```ts
 * const otlp = createOtlpExporter(metrics, { endpoint: "http://localhost:4318/v1/metrics", encoding: JSON_ENCODING });
 * otlp.start();
 * // ... at shutdown:
 * await otlp.stop();
 * ```
 */
export function createOtlpExporter(metrics: Metrics, options: OtlpExporterOptions): OtlpExporter {
  return new Exporter(metrics, options);
}

/** The endpoint as logged: without credentials and query string. */
function displayUrl(endpoint: URL): string {
  return `${endpoint.origin}${endpoint.pathname}`;
}

/** `Retry-After` in milliseconds (delta-seconds only; an HTTP date is ignored). */
function retryAfter(response: Response): number | undefined {
  const text = response.headers.get("retry-after")?.trim();
  return text && /^\d+$/.test(text) ? Number(text) * 1000 : undefined;
}

/** The reason an HTTP response is a failure: status line and, for a JSON `google.rpc.Status`, its message. */
function httpFailure(response: Response, body: string): string {
  let reason = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  if (/json/i.test(response.headers.get("content-type") ?? "")) {
    try {
      const message = (JSON.parse(body) as { message?: unknown }).message;
      if (typeof message === "string" && message !== "") reason += `: ${message}`;
    } catch { /* not JSON after all: the status line says enough */ }
  }
  return reason;
}

/** Data points a JSON `ExportMetricsServiceResponse` says were rejected, with its message. */
function partialSuccess(response: Response, body: string): string | undefined {
  if (!/json/i.test(response.headers.get("content-type") ?? "") || body === "") return undefined;
  try {
    const p =
      (JSON.parse(body) as { partialSuccess?: { rejectedDataPoints?: unknown; errorMessage?: unknown } })
        .partialSuccess;
    const rejected = Number(p?.rejectedDataPoints ?? 0);
    if (rejected > 0 || p?.errorMessage) return `${rejected} data points rejected: ${p?.errorMessage ?? ""}`;
  } catch { /* an unreadable answer to a successful export is no reason to complain */ }
  return undefined;
}

class Exporter implements OtlpExporter {
  readonly #metrics: Metrics;
  readonly #endpoint: URL;
  readonly #where: string;
  readonly #encoding: OtlpEncoding;
  readonly #serviceName: string;
  readonly #version: string | undefined;
  readonly #interval: number;
  readonly #timeout: number;
  readonly #maxBackoff: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #startTime: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #stopping: Promise<void> | undefined;
  /** The last export queued; the next one waits for it, so at most one request is in flight. */
  #last: Promise<boolean> = Promise.resolve(true);
  #failures = 0;
  #retryAfter = 0;
  #partialLogged = false;

  constructor(metrics: Metrics, o: OtlpExporterOptions) {
    this.#metrics = metrics;
    this.#endpoint = new URL(o.endpoint);
    this.#where = displayUrl(this.#endpoint);
    this.#encoding = o.encoding;
    this.#serviceName = o.serviceName ?? "pmmux";
    this.#version = o.version;
    this.#interval = o.interval ?? 60000;
    this.#timeout = o.timeout ?? 10000;
    this.#maxBackoff = Math.max(o.maxBackoff ?? 300000, this.#interval);
    this.#logger = o.logger ?? createLogger({ level: "none" });
    this.#now = o.now ?? Date.now;
    this.#startTime = o.startTime ?? performance.timeOrigin;
  }

  start(): void {
    if (this.#running || this.#stopping) return;
    this.#running = true;
    this.#logger.info(
      `OTLP metrics export to "${this.#where}" as ${this.#encoding.protocol} every ${this.#interval} ms`,
    );
    this.#schedule(this.#interval);
  }

  flush(): Promise<boolean> {
    this.#last = this.#last.then(() => this.#send());
    return this.#last;
  }

  stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#stopping ??= this.flush().then(() => {});
  }

  #schedule(delay: number): void {
    // unref: a pending export never keeps the process alive on its own.
    this.#timer = setTimeout(() => void this.#tick(), delay);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    await this.flush();
    if (this.#running) this.#schedule(this.#nextDelay());
  }

  /** The interval, or after failures an exponential backoff (at least what `Retry-After` asked for). */
  #nextDelay(): number {
    if (this.#failures === 0) return this.#interval;
    const backoff = this.#interval * 2 ** Math.min(this.#failures, 20);
    return Math.min(Math.max(backoff, this.#retryAfter), this.#maxBackoff);
  }

  async #send(): Promise<boolean> {
    const started = this.#now();
    let body: Uint8Array<ArrayBuffer> | string;
    let series: number;
    try {
      const snapshot = this.#metrics.snapshot();
      series = snapshot.length;
      if (series === 0) return true;
      const request = toExportRequest(snapshot, {
        serviceName: this.#serviceName,
        version: this.#version,
        startTime: this.#startTime,
        time: started,
      });
      body = this.#encoding.encode(request);
    } catch (err) {
      return this.#failed(`cannot encode the snapshot: ${(err as Error).message}`, 0);
    }
    const headers: Record<string, string> = { "content-type": this.#encoding.contentType };
    if (this.#version) headers["user-agent"] = `pmmux/${this.#version}`;
    const signal = AbortSignal.timeout(this.#timeout);
    try {
      const response = await fetch(this.#endpoint, { method: "POST", headers, body, signal });
      const answer = await response.text();
      if (!response.ok) return this.#failed(httpFailure(response, answer), retryAfter(response) ?? 0);
      this.#succeeded(series, started, partialSuccess(response, answer));
      return true;
    } catch (err) {
      return this.#failed(
        signal.aborted ? `no answer within ${this.#timeout} ms` : (err as Error).message,
        0,
      );
    }
  }

  #succeeded(series: number, started: number, partial: string | undefined): void {
    if (this.#failures > 0) {
      this.#logger.info(`OTLP export to "${this.#where}" succeeded after ${this.#failures} failed attempts`);
    }
    this.#failures = 0;
    this.#retryAfter = 0;
    if (partial !== undefined) {
      const message = `OTLP receiver "${this.#where}" accepted the export partly: ${partial}`;
      if (!this.#partialLogged) this.#logger.warn(message);
      else this.#logger.debug(message);
      this.#partialLogged = true;
    } else {
      this.#partialLogged = false;
    }
    if (this.#logger.enabled("debug")) {
      this.#logger.debug(
        `OTLP export of ${series} series to "${this.#where}" took ${this.#now() - started} ms`,
      );
    }
  }

  #failed(reason: string, retryAfterMs: number): false {
    this.#failures++;
    this.#retryAfter = retryAfterMs;
    if (this.#failures === 1) {
      this.#logger.warn(
        `OTLP export to "${this.#where}" failed: ${reason} (retrying with backoff; further failures are logged at debug level until one succeeds)`,
      );
    } else if (this.#logger.enabled("debug")) {
      const next = this.#running ? `; next attempt in ${this.#nextDelay()} ms` : "";
      this.#logger.debug(
        `OTLP export to "${this.#where}" failed again (${this.#failures} in a row): ${reason}${next}`,
      );
    }
    return false;
  }
}
