/**
 * The DNS provider contract of dns-01 (SPEC §14): a provider adds and removes one TXT record. Built-ins are
 * factories listed in `mod.ts`, chosen by the `provider=` parameter of an `--acme-certificate`.
 *
 * @module
 */
import type { Logger } from "../../logging/logger.ts";
import type { NetAdapter } from "../../net/types.ts";

/**
 * Adds and removes TXT records. Both calls are for one value of one name: other values of the same name stay
 * (the records of `example.com` and `*.example.com` share `_acme-challenge.example.com` and must coexist).
 */
export interface DnsProvider {
  /** Adds the TXT record `name` = `value` (name without the trailing dot); resolves once the server has it. */
  create(name: string, value: string): Promise<void>;
  /** Removes exactly that TXT record. */
  delete(name: string, value: string): Promise<void>;
}

/** Services handed to a provider. */
export interface DnsProviderServices {
  /** Sockets (the `rfc2136` provider speaks DNS over TCP). */
  readonly net: NetAdapter;
  readonly logger: Logger;
  /** Current time, epoch ms (TSIG signs with it). @default Date.now */
  readonly now?: () => number;
}

/** A built-in provider: its name, the parameters it takes, and its factory. */
export interface DnsProviderFactory {
  /** The `provider=` value. */
  readonly name: string;
  /** Parameters it reads (lower case); others are a configuration error. */
  readonly keys: readonly string[];
  /**
   * Creates the provider from its parameters (keys lower case).
   *
   * @throws {RangeError} naming the parameter and the value when one is missing or invalid
   */
  create(params: Readonly<Record<string, string>>, services: DnsProviderServices): DnsProvider;
}

/** The TXT record name of a dns-01 challenge for a domain (`*.example.com` uses `example.com`'s). */
export function challengeRecordName(domain: string): string {
  return `_acme-challenge.${domain.replace(/^\*\./, "").replace(/\.$/, "")}`;
}

/**
 * A required parameter.
 *
 * @throws {RangeError} when it is missing or empty
 */
export function requireParam(
  params: Readonly<Record<string, string>>,
  key: string,
  provider: string,
): string {
  const v = params[key]?.trim();
  if (v === undefined || v === "") {
    throw new RangeError(`DNS provider "${provider}" needs the parameter "${key}"`);
  }
  return v;
}

/**
 * A duration parameter in seconds (`timeout=30`), as milliseconds.
 *
 * @throws {RangeError} unless it is a non-negative number
 */
export function secondsParam(
  params: Readonly<Record<string, string>>,
  key: string,
  fallbackSeconds: number,
): number {
  const v = params[key]?.trim();
  if (v === undefined || v === "") return fallbackSeconds * 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(`Invalid ${key} "${v}": expected seconds, 0 or more`);
  }
  return n * 1000;
}
