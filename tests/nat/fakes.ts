/**
 * Test doubles for the port map manager: a NAT client whose device can vanish, refuse or choose ports, and a
 * clock whose timers run when the test advances time.
 *
 * @module
 */
import type { Clock } from "../../src/nat/clock.ts";
import {
  type MapRequest,
  type MapResult,
  type NatClient,
  type NatDevice,
  NatUnreachableError,
  type UnmapRequest,
} from "../../src/nat/types.ts";

/** A mapping the fake device holds. */
export interface FakeMapping {
  transport: string;
  localPort: number;
  publicPort: number;
  lifetime: number;
  description: string;
}

/** A fake NAT device behind the {@linkcode NatClient} interface, recording every call with the clock time. */
export class FakeNatClient implements NatClient {
  /** The device; `undefined` = nothing answers (discovery and requests fail as unreachable). */
  device: NatDevice | undefined = { protocol: "Pmp", gateway: "10.0.0.1", publicAddress: "203.0.113.7" };
  /** Mappings on the device by `transport:publicPort`. */
  mappings = new Map<string, FakeMapping>();
  /** Every call: `[time, text]`. */
  calls: Array<[number, string]> = [];
  /** Makes a map request fail with the returned error. */
  failMap: ((req: MapRequest) => Error | undefined) | undefined;
  /** The public port the device picks for a request of 0. @default 40000 + local port % 1000 */
  choosePort: (req: MapRequest) => number = (req) => 40000 + (req.localPort % 1000);
  /** The lifetime the device grants. @default the requested one */
  grant: (req: MapRequest) => number = (req) => req.lifetime;
  /** Discovery never answers (until aborted). */
  hang = false;
  closed = false;

  constructor(readonly clock: Clock) {}

  /** The times (ms after `start`) of the calls whose text starts with `prefix`. */
  times(prefix: string, start: number): number[] {
    return this.calls.filter(([, c]) => c.startsWith(prefix)).map(([t]) => t - start);
  }

  /** The texts of the calls whose text starts with `prefix`. */
  texts(prefix = ""): string[] {
    return this.calls.filter(([, c]) => c.startsWith(prefix)).map(([, c]) => c);
  }

  discover(signal?: AbortSignal): Promise<NatDevice> {
    this.calls.push([this.clock.now(), "discover"]);
    if (this.hang) {
      return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
    }
    if (!this.device) return Promise.reject(new NatUnreachableError("No NAT device found: nothing answered"));
    return Promise.resolve({ ...this.device });
  }

  map(req: MapRequest): Promise<MapResult> {
    this.calls.push([
      this.clock.now(),
      `map ${req.transport} ${req.publicPort}->${req.localPort} ${req.lifetime} ${req.description}`,
    ]);
    if (!this.device) return Promise.reject(new NatUnreachableError("Gateway did not answer within 2000 ms"));
    const error = this.failMap?.(req);
    if (error) return Promise.reject(error);
    const publicPort = req.publicPort === 0 ? this.choosePort(req) : req.publicPort;
    const lifetime = this.grant(req);
    this.mappings.set(`${req.transport}:${publicPort}`, {
      transport: req.transport,
      localPort: req.localPort,
      publicPort,
      lifetime,
      description: req.description,
    });
    return Promise.resolve({ publicPort, localPort: req.localPort, lifetime });
  }

  unmap(req: UnmapRequest): Promise<void> {
    this.calls.push([this.clock.now(), `unmap ${req.transport} ${req.publicPort}->${req.localPort}`]);
    if (!this.device) return Promise.reject(new NatUnreachableError("Gateway did not answer within 2000 ms"));
    this.mappings.delete(`${req.transport}:${req.publicPort}`);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** A clock whose timers fire only in {@linkcode FakeClock.advance}. */
export class FakeClock implements Clock {
  #now = Date.UTC(2026, 0, 1);
  #next = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();
  /** The time the clock started at. */
  readonly start: number = this.#now;

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting the promises they start settle. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    await settle();
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const t of this.#timers) if (t[1].at <= until && (!first || t[1].at < first[1].at)) first = t;
      if (!first) break;
      this.#timers.delete(first[0]);
      this.#now = first[1].at;
      first[1].fn();
      await settle();
    }
    this.#now = until;
    await settle();
  }
}

/** Lets pending promise chains run (a real macrotask turn flushes every microtask). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
}
