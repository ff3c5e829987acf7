/**
 * Leveled logger: one line per event with level, UTC timestamp, category and message, as text or JSON.
 * Call sites check `enabled(level)` before building an expensive message (STYLE rule 10).
 *
 * @module
 */

import { stderrWriter } from "./stderr_writer.ts";

/** Log levels, lowest first (`none` disables logging). */
export const LEVELS = ["trace", "debug", "information", "warning", "error", "critical", "none"] as const;
/** A log level. */
export type Level = typeof LEVELS[number];

/** A destination for formatted lines. */
export interface LogSink {
  /** Writes one formatted line (without newline). */
  write(line: string, level: Level): void;
}

/** The logging interface handed to every component. */
export interface Logger {
  /** Category of this logger (`router`, `backend.web`, ...). */
  readonly category: string;
  /** True when `level` would be written. */
  enabled(level: Level): boolean;
  /** Writes a line when the level is enabled. */
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger for a sub-category sharing level and sinks. */
  child(category: string): Logger;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Minimum level written. @default "information" */
  level?: Level;
  /** Line format. @default "text" */
  format?: "text" | "json";
  /** Where lines go. @default one sink writing to stderr */
  sinks?: LogSink[];
  /** Category of the root logger. @default "pmmux" */
  category?: string;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

const RANK: Record<Level, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};
const SHORT: Record<Level, string> = {
  trace: "trce",
  debug: "dbug",
  information: "info",
  warning: "warn",
  error: "fail",
  critical: "crit",
  none: "none",
};

/**
 * A sink writing to the process's standard error: a line below `warning` written within a few milliseconds
 * of the last write waits to go out with the others, a warning or worse is written at once (see
 * `stderr_writer.ts`).
 */
export function stderrSink(): LogSink {
  const writer = stderrWriter();
  return {
    write(line, level) {
      writer.line(line, RANK[level] >= RANK.warning);
    },
  };
}

/** A sink collecting lines in memory (tests). */
export function memorySink(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line) => void lines.push(line) };
}

/**
 * Creates the root logger.
 *
 * @example
 * const log = createLogger({ level: "debug" });
 * log.child("router").debug("routed", { backend: "web" });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const state = {
    rank: RANK[options.level ?? "information"],
    format: options.format ?? "text",
    sinks: options.sinks ?? [stderrSink()],
    now: options.now ?? Date.now,
  };
  return makeLogger(options.category ?? "pmmux", state);
}

interface LoggerState {
  rank: number;
  format: "text" | "json";
  sinks: LogSink[];
  now: () => number;
}

function formatLine(
  format: "text" | "json",
  time: string,
  level: Level,
  category: string,
  message: string,
  fields: Record<string, unknown> | undefined,
): string {
  if (format === "json") return JSON.stringify({ time, level, category, message, ...fields });
  let line = `${time} ${SHORT[level]} ${category}: ${message}`;
  if (fields) {
    for (const k in fields) line += ` ${k}=${formatValue(fields[k])}`;
  }
  return line;
}

function makeLogger(category: string, state: LoggerState): Logger {
  const log = (level: Level, message: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < state.rank || level === "none") return;
    const time = new Date(state.now()).toISOString();
    let line: string;
    try {
      line = formatLine(state.format, time, level, category, message, fields);
    } catch (err) {
      // Fields that cannot be written (a BigInt or a cycle in JSON) lose the fields, not the message.
      line = formatLine(state.format, time, level, category, message, {
        fields: `not serialisable: ${(err as Error)?.message ?? err}`,
      });
    }
    // Logging never throws into its caller (a connection's bookkeeping, a request): a sink that fails
    // (standard error closed, a disk error) loses this line, and the other sinks still get it.
    for (const sink of state.sinks) {
      try {
        sink.write(line, level);
      } catch { /* nowhere left to report it */ }
    }
  };
  return {
    category,
    enabled: (level) => RANK[level] >= state.rank && level !== "none",
    log,
    trace: (m, f) => log("trace", m, f),
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("information", m, f),
    warn: (m, f) => log("warning", m, f),
    error: (m, f) => log("error", m, f),
    child: (sub) => makeLogger(`${category}.${sub}`, state),
  };
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === "object" && v !== null) return JSON.stringify(v);
  return String(v);
}
