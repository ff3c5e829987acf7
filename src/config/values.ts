/**
 * Parsers for single option and parameter values (integers, ports, booleans, IP literals, URLs, host names,
 * rates). Each returns the parsed value or throws a `RangeError`/`TypeError` whose message is only the detail
 * (`expected an integer from 1 to 65535`), so callers can prefix the option or spec it belongs to.
 *
 * @module
 */
import { isIp } from "../matchers/ip.ts";

/**
 * Parses `true`/`false`, case-insensitively.
 *
 * @throws {TypeError} `expected true or false`
 */
export function parseBool(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === "true") return true;
  if (t === "false") return false;
  throw new TypeError("expected true or false");
}

/** Bounds for {@linkcode parseInteger}. */
export interface IntegerRange {
  /** Smallest accepted value. @default 0 */
  min?: number;
  /** Largest accepted value. @default Number.MAX_SAFE_INTEGER */
  max?: number;
}

/**
 * Parses a decimal integer (optional leading `+`) within a range.
 *
 * @throws {RangeError} `expected an integer from 1 to 65535` (wording adapts to the range)
 */
export function parseInteger(text: string, range: IntegerRange = {}): number {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const t = text.trim();
  const n = /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new RangeError(describeRange(min, max));
  return n;
}

function describeRange(min: number, max: number): string {
  if (max === Number.MAX_SAFE_INTEGER) {
    return min === 0 ? "expected a non-negative integer" : `expected an integer of at least ${min}`;
  }
  return `expected an integer from ${min} to ${max}`;
}

/**
 * Parses a TCP/UDP port number, 1-65535.
 *
 * @throws {RangeError} `expected a port from 1 to 65535`
 */
export function parsePort(text: string): number {
  try {
    return parseInteger(text, { min: 1, max: 65535 });
  } catch {
    throw new RangeError("expected a port from 1 to 65535");
  }
}

/**
 * Parses an IPv4 or IPv6 literal (`0.0.0.0`, `::`, `::1`, `fe80::1%eth0`); brackets around IPv6 (`[::1]`) are
 * removed. Host names are not accepted.
 *
 * @returns The address without brackets or surrounding spaces.
 * @throws {TypeError} `expected an IPv4 or IPv6 address`
 */
export function parseIpLiteral(text: string): string {
  let t = text.trim();
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  if (!isIp(t)) throw new TypeError("expected an IPv4 or IPv6 address");
  return t;
}

/**
 * Matches `text` case-insensitively against `values` and returns the canonical spelling.
 *
 * @throws {RangeError} `expected one of a, b, c`
 */
export function parseChoice<const T extends string>(text: string, values: readonly T[]): T {
  const t = text.trim().toLowerCase();
  const found = values.find((v) => v.toLowerCase() === t);
  if (found === undefined) throw new RangeError(`expected one of ${values.join(", ")}`);
  return found;
}

/**
 * Parses an absolute URL with one of the given schemes.
 *
 * @returns The URL as written (trimmed).
 * @throws {TypeError} `expected an absolute http or https URL`
 */
export function parseUrl(text: string, schemes: readonly string[] = ["http", "https"]): string {
  const t = text.trim();
  let ok = false;
  try {
    ok = schemes.includes(new URL(t).protocol.slice(0, -1));
  } catch {
    ok = false;
  }
  if (!ok) throw new TypeError(`expected an absolute ${schemes.join(" or ")} URL`);
  return t;
}

const LABEL = "[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?";
const HOSTNAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*\\.?$`, "i");

/**
 * Parses a DNS host name, optionally with a single leading wildcard label (`*.example.com`).
 *
 * @returns The name in lower case, without a trailing dot.
 * @throws {TypeError} `expected a host name such as example.com or *.example.com`
 */
export function parseHostname(text: string): string {
  const t = text.trim();
  if (t.length > 254 || !HOSTNAME.test(t)) {
    throw new TypeError("expected a host name such as example.com or *.example.com");
  }
  return t.toLowerCase().replace(/\.$/, "");
}

/** A number of events allowed per time window. */
export interface Rate {
  /** Events allowed per window. */
  readonly count: number;
  /** Window length in milliseconds. */
  readonly perMs: number;
}

const RATE_UNITS: Record<string, number> = { s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * Parses a rate `N`, `N/s`, `N/m` (or `N/min`) or `N/h`; a bare number is per second.
 *
 * @throws {RangeError} `expected a rate such as 10, 10/s, 100/m or 1000/h`
 */
export function parseRate(text: string): Rate {
  const m = /^\s*(\d+)\s*(?:\/\s*([a-z]+))?\s*$/i.exec(text);
  const perMs = m ? RATE_UNITS[(m[2] ?? "s").toLowerCase()] : undefined;
  const count = m ? Number(m[1]) : 0;
  if (perMs === undefined || count < 1 || !Number.isSafeInteger(count)) {
    throw new RangeError("expected a rate such as 10, 10/s, 100/m or 1000/h");
  }
  return { count, perMs };
}

/**
 * Replaces every `{{env:NAME}}` by that environment variable, or by nothing when it is unset. One pass: text
 * coming from a variable is not scanned again.
 *
 * @example
 * substituteEnv("Bearer {{env:TOKEN}}", { TOKEN: "s3cret" }); // "Bearer s3cret"
 */
export function substituteEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  if (!text.includes("{{env:")) return text;
  return text.replace(/\{\{env:([^{}]*)\}\}/g, (_, name: string) => env[name.trim()] ?? "");
}
