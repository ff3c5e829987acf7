/**
 * Run by `selection_memory_test.ts` on the runtime under test, with the collector exposed: one client that
 * trickles its first bytes one read at a time ("GET /aaa…", never a whole request line, so `detect=http`
 * keeps asking for more), then goes silent while its selection waits for the deadline. Prints the heap that
 * connection holds then, after a full collection, as JSON.
 *
 * `ROUNDS` (argument 1, default 60000) must stay under the preview limit (65536), which would end selection.
 */
import process from "node:process";
import { App } from "../../src/app.ts";
import { parseBackendSpec } from "../../src/config/spec_shapes.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { type Conn, type NetAdapter, netAddr } from "../../src/net/types.ts";

const ROUNDS = Number(process.argv[2] ?? 60000);
const HEAD = new TextEncoder().encode("GET /");

let reads = 0;
let silent!: () => void;
const wentSilent = new Promise<void>((resolve) => silent = resolve);

/** One byte per read, at once, ROUNDS times; then a read that never settles. */
class Trickle implements Conn {
  readonly localAddr = netAddr("127.0.0.1", 19000);
  readonly remoteAddr = netAddr("127.0.0.1", 40000);
  readonly closed = new Promise<void>(() => {});
  read(): Promise<Uint8Array | null> {
    reads++;
    if (reads <= ROUNDS) return Promise.resolve(Uint8Array.of(reads <= HEAD.length ? HEAD[reads - 1] : 0x61));
    silent();
    return new Promise(() => {});
  }
  write(): Promise<void> {
    return Promise.resolve();
  }
  closeWrite(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
function collect(): void {
  if (g.Bun) g.Bun.gc(true);
  else g.gc();
}

const app = new App(
  {
    backends: [parseBackendSpec("web:pass:detect=http,target.ip=127.0.0.1,target.port=9")],
    listeners: [],
    shutdownGrace: 500,
    selectionTimeout: 120_000,
  },
  {
    net: { runtime: "memory" } as unknown as NetAdapter, // never connects: selection does not end
    logger: createLogger({ level: "error", sinks: [] }),
    metrics: createMetrics(),
  },
);
collect();
const before = process.memoryUsage().heapUsed;
app.tcp.handle(new Trickle(), {
  negotiators: [],
  finished: () => {
    console.log(JSON.stringify({ error: `selection ended after ${reads} reads` }));
    process.exit(1);
  },
});
await wentSilent;
collect();
collect();
const after = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ rounds: reads - 1, heapGrowth: after - before }));
process.exit(0);
