/**
 * Log lines to standard error, written in batches. At the default level every finished connection writes an
 * access line; one `write` per line (`console.error`) cost 3-6% of the new connections/s with standard error on
 * `/dev/null` and 12-16% on a pipe, as under systemd or a container runtime (bench/README.md). Here a line
 * goes out at once when nothing was written in the last {@linkcode FLUSH_MS}; otherwise it waits for the rest
 * of that interval and goes out with the others in one `write`. A warning or worse goes out at once, after the
 * lines before it, and whatever waits is written at exit. So a quiet process writes each line as it comes,
 * and a busy one about every few milliseconds.
 *
 * A standard error that does not take more (a non-blocking pipe whose reader stopped) never blocks the
 * process: the bytes it refused wait, at most {@linkcode MAX_HELD} in all, and lines over that are dropped and
 * counted in a line written once it drains.
 *
 * @module
 */
import { writeSync } from "node:fs";
import process from "node:process";
import { clearTimeout, setTimeout } from "node:timers";
import { errorCode } from "../net/errors.ts";

/** The least time between two writes of lines below `warning`: how long such a line may wait. */
export const FLUSH_MS = 5;
/** Written at once when this many characters wait. */
const FLUSH_CHARS = 64 * 1024;
/** Most characters held while standard error takes nothing; lines over it are dropped. */
export const MAX_HELD = 1024 * 1024;

const encoder = new TextEncoder();

/** Options for {@linkcode BatchedWriter} (tests give their own `write`). */
export interface BatchedWriterOptions {
  /** Writes some of `bytes` and returns how many; throws `EAGAIN` when nothing can be written now. */
  write(bytes: Uint8Array): number;
  /** @default FLUSH_MS */
  flushMs?: number;
  /** @default MAX_HELD */
  maxHeld?: number;
}

/** Gathers lines and writes them together; see the module documentation. */
export class BatchedWriter {
  readonly #write: (bytes: Uint8Array) => number;
  readonly #flushMs: number;
  readonly #maxHeld: number;
  #pending: string[] = [];
  #chars = 0;
  /** Bytes standard error refused (`EAGAIN`), written before anything else. */
  #refused: Uint8Array | null = null;
  #dropped = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the last write was made (`performance.now()`). */
  #lastWrite = -Infinity;

  constructor(options: BatchedWriterOptions) {
    this.#write = options.write;
    this.#flushMs = options.flushMs ?? FLUSH_MS;
    this.#maxHeld = options.maxHeld ?? MAX_HELD;
  }

  /** Adds one line (without its newline); `urgent` writes it, and every line before it, at once. */
  line(text: string, urgent: boolean): void {
    if (this.#chars + (this.#refused?.length ?? 0) + text.length > this.#maxHeld) {
      this.#dropped++;
      this.#schedule();
      return;
    }
    this.#pending.push(text);
    this.#chars += text.length + 1;
    if (urgent || this.#chars >= FLUSH_CHARS) this.flush();
    else if (this.#timer === undefined && performance.now() - this.#lastWrite >= this.#flushMs) this.flush();
    else this.#schedule();
  }

  /** Writes what waits, as far as standard error takes it. Never throws. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#refused !== null && !this.#writeAll(this.#refused)) return;
    if (this.#dropped > 0) {
      this.#pending.push(`pmmux: ${this.#dropped} log line(s) dropped: standard error did not take them`);
      this.#dropped = 0;
    }
    if (this.#pending.length === 0) return;
    const text = this.#pending.join("\n") + "\n";
    this.#pending = [];
    this.#chars = 0;
    this.#lastWrite = performance.now();
    this.#writeAll(encoder.encode(text));
  }

  /** False when standard error refused some (kept for the next flush, which is scheduled). */
  #writeAll(bytes: Uint8Array): boolean {
    let rest = bytes;
    while (rest.length > 0) {
      let n: number;
      try {
        n = this.#write(rest);
      } catch (err) {
        if (errorCode(err) === "EAGAIN") {
          this.#refused = rest;
          this.#schedule();
          return false;
        }
        // Standard error is gone (closed, EPIPE): these lines are lost, as they would be with `console.error`.
        this.#refused = null;
        return true;
      }
      rest = rest.subarray(n);
    }
    this.#refused = null;
    return true;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const wait = Math.max(1, Math.ceil(this.#lastWrite + this.#flushMs - performance.now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, Math.min(wait, this.#flushMs));
    this.#timer.unref?.();
  }
}

let stderr: BatchedWriter | undefined;

/** The process's one standard-error writer, flushed at exit. */
export function stderrWriter(): BatchedWriter {
  if (stderr === undefined) {
    const writer = stderr = new BatchedWriter({ write: (bytes) => writeSync(2, bytes) });
    process.on("exit", () => writer.flush());
  }
  return stderr;
}

/** Writes the log lines waiting for standard error, before a message written to it another way. */
export function flushStderrLog(): void {
  stderr?.flush();
}
