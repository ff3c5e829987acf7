/**
 * The default of `--max-connections` and the bound of `--udp-max-sessions`, from the process's open-file limit.
 *
 * Deno and Bun both raise the soft limit to the hard one at start, so the limit read here is the hard one.
 * When it is reached anyway, an `accept` fails with EMFILE; Deno's listener then pauses and warns, but Bun
 * accepts in its own loop and retries at once, using a whole core and serving nobody (measured: 2.0 s of CPU
 * in 2 s under `ulimit -n 100` with 150 clients). Capping connections below the limit keeps a descriptor free
 * for each accept, so the excess is closed at once, on both runtimes alike. UDP sessions, one descriptor each,
 * get a share too, so that they are evicted (least recently used first) before a new one cannot bind.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** Descriptors kept for listeners, UDP sockets, the management API, health checks, log files, the runtime. */
export const FD_RESERVE = 64;

/**
 * The soft "Max open files" of `/proc/self/limits`; `undefined` when it is unlimited or cannot be read (no
 * `/proc`, another OS).
 *
 * @param text The file's text; read from `/proc/self/limits` when omitted.
 * @example openFileLimit("Max open files  1024  4096  files\n") // 1024
 */
export function openFileLimit(text?: string): number | undefined {
  let limits = text;
  if (limits === undefined) {
    try {
      limits = readFileSync("/proc/self/limits", "utf8");
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (m === null || m[1] === "unlimited") return undefined;
  return Number(m[1]);
}

/** What `limit` descriptors hold: TCP connections (two descriptors each) and UDP sessions (one each). */
export interface FdBudget {
  /** The default TCP connection cap. */
  readonly tcp: number;
  /** UDP sessions: `udpMaxSessions`, lowered to a quarter of what the reserve leaves when that is less. */
  readonly udp: number;
}

/**
 * Splits `limit` descriptors: {@linkcode FD_RESERVE} kept, UDP sessions up to a quarter of the rest (an
 * evicted least-recently-used session is better than a session that cannot bind), and two per TCP connection
 * from what remains. Each at least 1.
 *
 * @example fdBudget(1024, 4096) // { tcp: 360, udp: 240 }
 */
export function fdBudget(limit: number, udpMaxSessions: number): FdBudget {
  const available = limit - FD_RESERVE;
  const udp = Math.max(1, Math.min(udpMaxSessions, Math.floor(available / 4)));
  return { tcp: Math.max(1, Math.floor((available - udp) / 2)), udp };
}
