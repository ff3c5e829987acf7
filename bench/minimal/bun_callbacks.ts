/**
 * The smallest useful TCP relay on Bun, to find the runtime's limit (issue 8): everything happens in the
 * socket callbacks (a chunk is written to the peer at once; the rest waits for `drain` with the source
 * paused), TCP_NODELAY, half-close passed on. No routing, no limits, no metrics.
 *
 * `bun bench/minimal/bun_callbacks.ts LISTEN_PORT UPSTREAM_PORT` (both on 127.0.0.1)
 *
 * @module
 */
const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);

interface Side {
  peer: Sock | null;
  early: Uint8Array[];
  rest: Uint8Array | null;
}
interface Sock {
  data: Side;
  write(chunk: Uint8Array): number;
  pause(): void;
  resume(): void;
  shutdown(): void;
  end(): void;
  setNoDelay(on: boolean): void;
}
// deno-lint-ignore no-explicit-any
const bun = (globalThis as any).Bun;

function send(to: Sock, from: Sock, chunk: Uint8Array): void {
  const n = to.write(chunk);
  if (n < chunk.length) {
    to.data.rest = chunk.subarray(Math.max(0, n));
    from.pause();
  }
}

const handlers = {
  open(_s: Sock) {},
  data(s: Sock, chunk: Uint8Array) {
    if (s.data.peer === null) s.data.early.push(chunk);
    else send(s.data.peer, s, chunk);
  },
  drain(s: Sock) {
    const rest = s.data.rest;
    if (rest === null) return;
    const n = s.write(rest);
    if (n < rest.length) {
      s.data.rest = rest.subarray(Math.max(0, n));
      return;
    }
    s.data.rest = null;
    s.data.peer?.resume();
  },
  end(s: Sock) {
    s.data.peer?.shutdown();
  },
  close(s: Sock) {
    s.data.peer?.end();
  },
  error() {},
};

bun.listen({
  hostname: "127.0.0.1",
  port: listenPort,
  allowHalfOpen: true,
  socket: {
    ...handlers,
    open(client: Sock) {
      client.data = { peer: null, early: [], rest: null };
      client.setNoDelay(true);
      bun.connect({
        hostname: "127.0.0.1",
        port: upstreamPort,
        allowHalfOpen: true,
        data: { peer: client, early: [], rest: null },
        socket: handlers,
      }).then((upstream: Sock) => {
        upstream.setNoDelay(true);
        client.data.peer = upstream;
        for (const chunk of client.data.early.splice(0)) send(upstream, client, chunk);
      }, () => client.end());
    },
  },
});
