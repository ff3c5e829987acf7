/**
 * File logging (`--log-directory`) with size-based rolling (`--log-file-max-size`) and retention
 * (`--log-file-max-retain`). Lines are batched and appended asynchronously, one write in flight at a time, so
 * logging never blocks the data path; `flush()` drains the queue at shutdown.
 *
 * @module
 */
import { appendFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import type { LogSink } from "./logger.ts";

/** Options for {@linkcode createFileSink}. */
export interface FileSinkOptions {
  /** Directory for `pmmux.log` and its rolled files. Created when missing. */
  directory: string;
  /** Roll over when the current file would exceed this many bytes. @default undefined (never) */
  maxSize?: number;
  /** Rolled files kept (`pmmux.1.log` is the newest). @default 5 when maxSize is set */
  maxRetain?: number;
  /** Called once when a write fails (the sink then keeps trying on later lines). */
  onError?: (err: Error) => void;
}

/** A file sink with an explicit flush. */
export interface FileSink extends LogSink {
  /** Resolves when every queued line is written. */
  flush(): Promise<void>;
  /** The current file path. */
  readonly path: string;
}

/**
 * Creates the sink; throws (a configuration problem) when the directory cannot be created.
 *
 * @example createFileSink({ directory: "/var/log/pmmux", maxSize: 10_000_000, maxRetain: 5 })
 */
export function createFileSink(options: FileSinkOptions): FileSink {
  mkdirSync(options.directory, { recursive: true });
  const path = join(options.directory, "pmmux.log");
  const retain = options.maxRetain ?? 5;
  let size = 0;
  try {
    size = statSync(path).size;
  } catch { /* new file */ }
  let queue: string[] = [];
  let writing: Promise<void> | undefined;
  let reported = false;

  const roll = async () => {
    for (let i = retain; i >= 1; i--) {
      const from = i === 1 ? path : join(options.directory, `pmmux.${i - 1}.log`);
      const to = join(options.directory, `pmmux.${i}.log`);
      try {
        if (i === retain) await rm(to, { force: true });
        await rename(from, to);
      } catch { /* missing files are fine */ }
    }
    if (retain === 0) await rm(path, { force: true });
    size = 0;
  };

  const pump = async () => {
    while (queue.length > 0) {
      const text = queue.join("\n") + "\n";
      queue = [];
      const bytes = Buffer.byteLength(text);
      try {
        if (options.maxSize && size > 0 && size + bytes > options.maxSize) await roll();
        await mkdir(options.directory, { recursive: true });
        await appendFile(path, text);
        size += bytes;
        reported = false;
      } catch (err) {
        if (!reported) options.onError?.(err as Error);
        reported = true;
        try {
          size = (await stat(path)).size;
        } catch { /* ignore */ }
      }
    }
    writing = undefined;
  };

  return {
    path,
    write(line) {
      queue.push(line);
      writing ??= Promise.resolve().then(pump);
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
