/**
 * What the router's own work costs per connection, with no socket: `TcpRouter.handle()` on in-memory
 * connections that deliver one HTTP request and end, routed to a `pass` backend whose connect and splice finish
 * at once. Compares routing by the listener's port with `detect=` (five decoy detectors that answer "no"
 * before `detect=http`, as in the bench's detection measure), so the difference is the detectors' work and the
 * selection's wait for the first bytes, and nothing of the kernel's or the runtime's I/O.
 *
 * `bun bench/minimal/router_micro.ts port|detect` or `deno run -A bench/minimal/router_micro.ts port|detect`;
 * prints µs per connection for 5 rounds of 200k connections (the first rounds include JIT warm-up).
 *
 * @module
 */
import { App } from "../../src/app.ts";
import { parseBackendSpec } from "../../src/config/spec_shapes.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import type { Conn, NetAdapter, SpliceStats } from "../../src/net/types.ts";
import { netAddr } from "../../src/net/types.ts";

const REQUEST = new TextEncoder().encode(
  "GET / HTTP/1.1\r\nHost: 127.0.0.1:19000\r\nConnection: close\r\n\r\n",
);
const DONE: Promise<void> = Promise.resolve();

/** A connection that delivers one request, then its end; splicing it reports a finished exchange at once. */
class OneRequest implements Conn {
  readonly localAddr = netAddr("127.0.0.1", 19000);
  readonly remoteAddr = netAddr("127.0.0.1", 40000);
  readonly closed = DONE;
  #sent = false;
  read(): Promise<Uint8Array | null> {
    if (this.#sent) return Promise.resolve(null);
    this.#sent = true;
    return Promise.resolve(REQUEST.slice());
  }
  write(): Promise<void> {
    return DONE;
  }
  closeWrite(): Promise<void> {
    return DONE;
  }
  close(): void {}
  splice(_other: Conn, stats: SpliceStats, head: Uint8Array | undefined, onDone: () => void): boolean {
    stats.aToB = head?.length ?? 0;
    stats.bToA = 100;
    stats.firstEnd = "b";
    queueMicrotask(onDone);
    return true;
  }
}

const mode = (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ?? process.argv[2];
if (mode !== "port" && mode !== "detect") {
  console.error("usage: router_micro.ts port|detect");
  process.exit(2);
}
const target = "target.ip=127.0.0.1,target.port=18080";
const specs = mode === "detect"
  ? [
    ...["ssh", "tls", "socks5", "rdp", "mqtt"].map((d) => `decoy-${d}:pass:detect=${d},${target}`),
    `web:pass:detect=http,${target}`,
  ]
  : [`web:pass:local-port=19000,${target}`];
const net = {
  runtime: "memory",
  connectTcp: () => Promise.resolve(new OneRequest()),
} as unknown as NetAdapter;
const app = new App(
  { backends: specs.map(parseBackendSpec), listeners: [], shutdownGrace: 500 },
  { net, logger: createLogger({ level: "warning", sinks: [] }), metrics: createMetrics() },
);
// Batches of 100 connections; `finished` counts a batch down and starts the next.
let left = 0;
let batchDone = () => {};
const listener = { negotiators: [], finished: () => --left === 0 && batchDone() };
for (let round = 1; round <= 5; round++) {
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 100) {
    const { promise, resolve } = Promise.withResolvers<void>();
    batchDone = resolve;
    left = 100;
    for (let j = 0; j < 100; j++) app.tcp.handle(new OneRequest(), listener);
    await promise;
  }
  const us = (performance.now() - t0) * 1000 / n;
  console.log(`${mode} round ${round}: ${us.toFixed(2)} µs per connection`);
}
process.exit(0);
