/**
 * The certificate lifecycle of ACME (SPEC §14) as pure functions over time: which state a certificate is in,
 * when the next attempt is due, and the retry backoff. The manager keeps the facts; these decide.
 *
 * @module
 */

/** Certificate states, as the management API shows them. */
export const ACME_STATES = ["Pending", "Validating", "Valid", "RenewalDue", "Expired", "Error"] as const;
/**
 * A certificate state: `Pending` (none yet, not tried), `Validating` (an order is in progress), `Valid`,
 * `RenewalDue` (within the renewal lead, or it does not cover every name asked for), `Expired`, `Error` (none
 * yet and the last attempt failed).
 */
export type AcmeState = typeof ACME_STATES[number];

/** Retry backoff after failed attempts: `initial` ms, doubled per failure up to `max`; never gives up. */
export interface RetryPolicy {
  /** Delay after the first failure, ms. @default 60000 */
  readonly initial: number;
  /** Longest delay, ms. @default 21600000 (6 h) */
  readonly max: number;
}

/** The default backoff: 1 min, 2 min, 4 min ... 6 h, then every 6 h. */
export const DEFAULT_RETRY: RetryPolicy = { initial: 60_000, max: 6 * 3_600_000 };

/** The certificate held for a domain, as far as scheduling cares. */
export interface HeldCertificate {
  /** Start of validity, epoch ms. */
  readonly notBeforeMs: number;
  /** End of validity, epoch ms. */
  readonly notAfterMs: number;
  /** DNS names it covers (lower case). */
  readonly names: readonly string[];
}

/** What a certificate's schedule depends on. */
export interface Facts {
  /** The certificate held, if any. */
  readonly held?: HeldCertificate;
  /** Names it must cover: the domain and its SANs (lower case). */
  readonly wanted: readonly string[];
  /** Consecutive failed attempts. */
  readonly failures: number;
  /** When the last attempt failed, epoch ms (meaningful when `failures > 0`). */
  readonly failedAt: number;
  /** An order is in progress. */
  readonly busy: boolean;
  /** A renewal was asked for (management API). */
  readonly forced: boolean;
}

/** Delay before retry number `failures` (1 → `initial`). */
export function backoffDelay(failures: number, retry: RetryPolicy = DEFAULT_RETRY): number {
  if (failures <= 0) return 0;
  return Math.min(retry.max, retry.initial * 2 ** Math.min(failures - 1, 40));
}

/** True when `held` covers every wanted name (case-insensitive). */
export function covers(held: HeldCertificate, wanted: readonly string[]): boolean {
  const names = new Set(held.names.map((n) => n.toLowerCase()));
  return wanted.every((n) => names.has(n.toLowerCase()));
}

/**
 * When renewal starts: `lead` before the end of validity, or a third of the lifetime when that is shorter, so
 * a certificate that lives less than three leads (short-lived certificates, test CAs) is not renewed at once.
 */
export function renewalAt(held: HeldCertificate, leadMs: number): number {
  const lifetime = Math.max(0, held.notAfterMs - held.notBeforeMs);
  return held.notAfterMs - Math.min(leadMs, lifetime / 3);
}

/** The state of a certificate at `now` (`Validating` while busy; `Error` when none is held and one failed). */
export function stateOf(facts: Facts, now: number, leadMs: number): AcmeState {
  if (facts.busy) return "Validating";
  const { held } = facts;
  if (held === undefined) return facts.failures > 0 ? "Error" : "Pending";
  if (now >= held.notAfterMs) return "Expired";
  if (!covers(held, facts.wanted) || now >= renewalAt(held, leadMs)) return "RenewalDue";
  return "Valid";
}

/**
 * When the next attempt is due, epoch ms: at once when forced (the backoff does not apply) or when no
 * certificate covering every name is held, else at the start of renewal; after failures, no earlier than the
 * backoff allows.
 */
export function nextAttemptAt(facts: Facts, leadMs: number, retry: RetryPolicy = DEFAULT_RETRY): number {
  if (facts.forced) return 0;
  const { held } = facts;
  let due = held === undefined || !covers(held, facts.wanted) ? 0 : renewalAt(held, leadMs);
  if (facts.failures > 0) due = Math.max(due, facts.failedAt + backoffDelay(facts.failures, retry));
  return due;
}
