/**
 * When the port map manager acts next: renewal before expiry with a floor, exponential retry backoff, and the
 * local port asked for when a `?` local port is not assigned yet.
 *
 * @module
 */
import type { Entry } from "./status.ts";

/** Renewals are never closer together than this, in milliseconds (SPEC §13). */
export const MIN_RENEWAL_INTERVAL = 5000;
/** The range a `?:?` binding's local port is drawn from before the device assigns one. */
const EPHEMERAL = [49152, 65535] as const;

/**
 * Milliseconds from a grant to its renewal: `lead` seconds before expiry, at least
 * {@linkcode MIN_RENEWAL_INTERVAL}; `Infinity` for a permanent mapping (lifetime 0).
 *
 * @example
 * renewalDelay(30, 10); // 20000
 * renewalDelay(8, 10); // 5000
 */
export function renewalDelay(lifetime: number, lead: number): number {
  if (lifetime <= 0) return Infinity;
  return Math.max(MIN_RENEWAL_INTERVAL, (lifetime - lead) * 1000);
}

/**
 * Milliseconds before retry number `failures` (1-based): `initial`, doubled per failure, at most `max`.
 *
 * @example
 * [1, 2, 3, 4].map((n) => backoffDelay(n, 5000, 30000)); // [5000, 10000, 20000, 30000]
 */
export function backoffDelay(failures: number, initial: number, max: number): number {
  return Math.min(max, initial * 2 ** Math.min(Math.max(failures - 1, 0), 30));
}

/**
 * The local port to request for an entry whose `?` local port is not assigned yet: the sibling's (TCP and UDP
 * of one binding share a port), else the requested public port, else a random ephemeral port.
 */
export function candidatePort(e: Entry, random: () => number): number {
  const sibling = e.siblings.find((s) => s !== e && s.localPort !== undefined);
  if (sibling) return sibling.localPort!;
  if (typeof e.wantPublic === "number") return e.wantPublic;
  return EPHEMERAL[0] + Math.floor(random() * (EPHEMERAL[1] - EPHEMERAL[0] + 1));
}

/** `5000` → `"5 s"`, for log lines. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
