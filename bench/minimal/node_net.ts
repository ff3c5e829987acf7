/**
 * A minimal relay over `node:net` (`pipe` both ways, half-close passed on), to compare the runtimes' Node
 * compatibility layer with the native APIs pmmux's adapters use (`Deno.listen`/`Deno.connect`, `Bun.listen`/
 * `Bun.connect`). On Deno 2.9 it was slower than `deno_loop.ts` (bench/README.md, session 8).
 *
 * `deno run -A bench/minimal/node_net.ts LISTEN_PORT UPSTREAM_PORT` or `bun bench/minimal/node_net.ts …`
 * (both on 127.0.0.1).
 *
 * @module
 */
import net from "node:net";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
const [listenPort, upstreamPort] = args.slice(0, 2).map(Number);

net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  const upstream = net.connect({ host: "127.0.0.1", port: upstreamPort, allowHalfOpen: true, noDelay: true });
  client.pipe(upstream);
  upstream.pipe(client);
  const destroyBoth = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", destroyBoth).on("close", () => upstream.destroy());
  upstream.on("error", destroyBoth).on("close", () => client.destroy());
}).listen(listenPort, "127.0.0.1");
