/**
 * pmmux's socket adapter and relay with nothing of the router: each accepted connection is connected to the
 * upstream and relayed, as `pass` does, but with no context, selection, metrics or bookkeeping. Between the
 * minimal relays (`bun_callbacks.ts`, `deno_loop.ts`) and pmmux itself, it tells the adapter's cost per
 * connection apart from the router's (bench/README.md, "a Bun connection by layer").
 *
 * `bun bench/minimal/adapter_relay.ts LISTEN_PORT UPSTREAM_PORT [splice]` or
 * `deno run -A bench/minimal/adapter_relay.ts …` (both on 127.0.0.1). With `splice`, the two connections are
 * spliced directly instead of through `relay()` (Bun only: Deno's connections do not splice).
 *
 * @module
 */
import { runtimeAdapter } from "../../src/net/mod.ts";
import { relay } from "../../src/core/relay.ts";
import { type Conn, spliceStats } from "../../src/net/types.ts";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
const [listenPort, upstreamPort] = args.slice(0, 2).map(Number);
const direct = args[2] === "splice";
const net = await runtimeAdapter();
const listener = await net.listenTcp({ hostname: "127.0.0.1", port: listenPort });

function serve(client: Conn): void {
  net.connectTcp({ hostname: "127.0.0.1", port: upstreamPort, timeout: 10000 }).then(
    (upstream): Promise<unknown> | void => {
      const spliced = direct && client.splice?.(upstream, spliceStats(), undefined, () => {});
      if (!spliced) return relay(client, upstream);
    },
  ).catch(() => client.close());
}

if (listener.serve !== undefined) listener.serve(serve);
else {
  for (let conn = await listener.accept(); conn !== null; conn = await listener.accept()) serve(conn);
}
