/**
 * Parameter readers shared by backend protocols; errors name the parameter, the value and what is accepted.
 *
 * @module
 */
import { param, type ParamDecl } from "../core/backend.ts";

/** Reads a required port 1-65535. */
export function readPort(params: Readonly<Record<string, string>>, key: string): number {
  const v = param(params, key);
  if (v === undefined) throw new RangeError(`parameter "${key}" is required: expected a port 1-65535`);
  const n = Number(v.trim());
  if (!/^\s*\d+\s*$/.test(v) || n < 1 || n > 65535) {
    throw new RangeError(`${key} "${v}" is not a port: expected 1-65535`);
  }
  return n;
}

/** Reads an optional non-negative whole number of milliseconds. */
export function readMs(params: Readonly<Record<string, string>>, key: string, dflt: number): number {
  const v = param(params, key);
  if (v === undefined) return dflt;
  if (!/^\s*\d+\s*$/.test(v)) {
    throw new RangeError(`${key} "${v}" is not a duration: expected milliseconds ≥ 0`);
  }
  return Number(v);
}

/** Default `idle-timeout` of the HTTP backends: an idle keep-alive connection is closed after it. */
export const DEFAULT_HTTP_IDLE_TIMEOUT = 120_000;

/** The `idle-timeout` parameter of the HTTP backends. */
export const HTTP_IDLE_PARAM: ParamDecl = {
  key: "idle-timeout",
  help: "ms without traffic either way before the client connection is closed; 0 never (default " +
    `${DEFAULT_HTTP_IDLE_TIMEOUT}; http-proxy: at least proxy.activity-timeout + 20000)`,
};
