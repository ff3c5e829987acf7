/**
 * Per-client-IP connection rate limit (`--connection-rate-per-ip`, SPEC §20.3): a token bucket per address,
 * refilled continuously; idle buckets are dropped so the map stays bounded by the active clients.
 *
 * @module
 */

/** A rate: `count` connections per `perMs` milliseconds. */
export interface Rate {
  readonly count: number;
  readonly perMs: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/** Token buckets keyed by client IP. */
export class RateLimiter {
  #rate: Rate;
  #buckets = new Map<string, Bucket>();
  #now: () => number;
  #lastSweep = 0;

  /**
   * @param rate allowed connections per period
   * @param now clock, for tests
   */
  constructor(rate: Rate, now: () => number = Date.now) {
    this.#rate = rate;
    this.#now = now;
  }

  /** Takes one token for `ip`; false when the client is over its rate. */
  allow(ip: string): boolean {
    const now = this.#now();
    const { count, perMs } = this.#rate;
    let b = this.#buckets.get(ip);
    if (!b) {
      b = { tokens: count, last: now };
      this.#buckets.set(ip, b);
    } else {
      b.tokens = Math.min(count, b.tokens + ((now - b.last) * count) / perMs);
      b.last = now;
    }
    if (now - this.#lastSweep > perMs) this.#sweep(now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Number of tracked addresses. */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    // A bucket idle for a whole period is full again: forgetting it changes nothing.
    for (const [ip, b] of this.#buckets) if (now - b.last >= this.#rate.perMs) this.#buckets.delete(ip);
  }
}
