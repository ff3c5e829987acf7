/**
 * A slow relay in front of pmmux, so that real clients (ssh, curl) reach it with their first bytes cut up:
 * one byte per write with a gap (`bytes`), or the first chunk (a ClientHello) in two halves with a pause
 * between them (`split`). The other direction is passed through as it comes.
 */
import type { Conn } from "../../../src/net/types.ts";
import { net } from "../../helpers/net.ts";

/** Options for {@linkcode slowRelay}. */
export interface SlowRelayOptions {
  /** `bytes`: the first `dribble` bytes one by one; `split`: the first chunk in two writes. */
  mode: "bytes" | "split";
  /** ms between single bytes. @default 10 */
  gapMs?: number;
  /** How many leading bytes go one by one in `bytes` mode. @default 600 */
  dribble?: number;
  /** ms between the two halves in `split` mode. @default 200 */
  splitDelayMs?: number;
}

/** A running relay. */
export interface SlowRelay {
  readonly port: number;
  /** Length of the first chunk each client sent (what `split` cut in two). */
  readonly firstChunks: number[];
  /** Number of single-byte writes done in `bytes` mode. */
  readonly singleWrites: () => number;
  close(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a relay on 127.0.0.1 to `hostname:port`. */
export async function slowRelay(
  hostname: string,
  port: number,
  options: SlowRelayOptions,
): Promise<SlowRelay> {
  const n = await net();
  const listener = await n.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const firstChunks: number[] = [];
  let singles = 0;
  const open = new Set<Conn>();
  const gap = options.gapMs ?? 10;
  const dribble = options.dribble ?? 600;

  async function upward(client: Conn, upstream: Conn): Promise<void> {
    let sent = 0;
    let first = true;
    for (;;) {
      const chunk = await client.read();
      if (chunk === null) break;
      const c = chunk.slice();
      if (first) firstChunks.push(c.length);
      if (options.mode === "split" && first && c.length > 1) {
        const half = c.length >> 1;
        await upstream.write(c.subarray(0, half));
        await sleep(options.splitDelayMs ?? 200);
        await upstream.write(c.subarray(half));
      } else if (options.mode === "bytes" && sent < dribble) {
        let i = 0;
        for (; i < c.length && sent < dribble; i++, sent++) {
          await upstream.write(c.subarray(i, i + 1));
          singles++;
          await sleep(gap);
        }
        if (i < c.length) await upstream.write(c.subarray(i));
      } else {
        await upstream.write(c);
      }
      first = false;
    }
    await upstream.closeWrite();
  }

  async function downward(upstream: Conn, client: Conn): Promise<void> {
    for (;;) {
      const chunk = await upstream.read();
      if (chunk === null) break;
      await client.write(chunk);
    }
    await client.closeWrite();
  }

  (async () => {
    for (;;) {
      const client = await listener.accept().catch(() => null);
      if (!client) return;
      open.add(client);
      (async () => {
        let upstream: Conn | undefined;
        try {
          upstream = await n.connectTcp({ hostname, port });
          open.add(upstream);
          await Promise.all([upward(client, upstream), downward(upstream, client)]);
        } catch {
          /* a peer went away: close both */
        } finally {
          client.close();
          upstream?.close();
          open.delete(client);
          if (upstream) open.delete(upstream);
        }
      })();
    }
  })();
  return {
    port: listener.addr.port,
    firstChunks,
    singleWrites: () => singles,
    close() {
      listener.close();
      for (const c of open) c.close();
    },
  };
}
