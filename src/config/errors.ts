/**
 * Configuration errors: one class the entry point catches (exit code 2) and one formatter, so that the loader
 * and the app (backend parameters, plug-in names) report bad values with identical wording.
 *
 * @module
 */

/** A configuration problem that stops startup (exit code 2) or rejects a reload. */
export class ConfigError extends Error {
  /** The long option name without dashes (`routing-strategy`), when the error is about one option. */
  readonly option?: string;
  /** Where the offending value came from (`command line`, `config file /x/pmmux.toml`, ...). */
  readonly source?: string;

  /**
   * Creates the error.
   *
   * @param message The whole message, sentence case, no trailing period.
   * @param options `cause` plus the option and source the message is about.
   */
  constructor(message: string, options: { cause?: unknown; option?: string; source?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ConfigError";
    if (options.option !== undefined) this.option = options.option;
    if (options.source !== undefined) this.source = options.source;
  }
}

/**
 * Builds the standard bad-value error.
 *
 * @param option Long option name, with or without leading dashes (`routing-strategy`).
 * @param value The value as given (quoted in the message).
 * @param source Where it came from, as returned by `Config.sourceOf` (`environment variable PMMUX__X`).
 * @param accepted What is accepted: a list of names (rendered `expected one of a, b`) or a detail sentence
 *   (`expected an integer from 1 to 65535`, `empty property at position 4`).
 * @param cause The underlying error, if any.
 * @returns The error, to be thrown by the caller.
 *
 * @example
 * throw configError("routing-strategy", "fast", "command line", ["first-available", "least-requests"]);
 * // Invalid value "fast" for --routing-strategy (from command line): expected one of first-available, ...
 */
export function configError(
  option: string,
  value: unknown,
  source: string,
  accepted: string | readonly string[],
  cause?: unknown,
): ConfigError {
  const name = option.replace(/^-+/, "");
  const detail = typeof accepted === "string" ? accepted : `expected one of ${accepted.join(", ")}`;
  return new ConfigError(`Invalid value ${quote(value)} for --${name} (from ${source}): ${detail}`, {
    cause,
    option: name,
    source,
  });
}

/**
 * Quotes a value for a message: strings as written between double quotes (backslashes in regexes stay
 * readable), other values as JSON.
 */
export function quote(value: unknown): string {
  if (typeof value === "string") return `"${value}"`;
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
