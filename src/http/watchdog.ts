/**
 * The timers of one proxied request: a deadline for the whole request and an idle limit, with one timer.
 *
 * @module
 */

/** Why a {@linkcode Watchdog} fired. */
export type WatchdogReason = "timeout" | "activity-timeout";

/**
 * Fires once when the whole-request deadline passes or when no {@linkcode Watchdog.touch} came for the idle
 * limit. `touch()` only stores a timestamp; the single timer re-arms itself for the time left.
 */
export class Watchdog {
  #deadline: number;
  #idle: number;
  #last: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onFire: (reason: WatchdogReason) => void;

  /**
   * @param timeout ms for the whole request; 0 for none
   * @param idle ms without activity; 0 for none
   * @param onFire called once, on expiry
   */
  constructor(timeout: number, idle: number, onFire: (reason: WatchdogReason) => void) {
    const now = Date.now();
    this.#deadline = timeout > 0 ? now + timeout : Infinity;
    this.#idle = idle > 0 ? idle : Infinity;
    this.#last = now;
    this.#onFire = onFire;
    this.#arm(now);
  }

  /** Records activity (a chunk either way). */
  touch(): void {
    this.#last = Date.now();
  }

  /** Cancels the timer (request finished). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#deadline = Infinity;
    this.#idle = Infinity;
  }

  #arm(now: number): void {
    const due = Math.min(this.#deadline, this.#last + this.#idle);
    if (due === Infinity) return;
    this.#timer = setTimeout(() => this.#check(), Math.max(0, due - now));
  }

  #check(): void {
    this.#timer = undefined;
    const now = Date.now();
    if (now >= this.#deadline) return this.#fire("timeout");
    if (now - this.#last >= this.#idle) return this.#fire("activity-timeout");
    this.#arm(now);
  }

  #fire(reason: WatchdogReason): void {
    this.stop();
    this.#onFire(reason);
  }
}
