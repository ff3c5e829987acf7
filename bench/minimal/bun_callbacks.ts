/**
 * The smallest useful TCP relay on Bun, to find the runtime's limit (issue 8): everything happens in the
 * socket callbacks (a chunk is written to the peer at once; the rest waits for `drain` with the source
 * paused), TCP_NODELAY (Bun sets it on every socket it accepts or connects; the relay asked again until session
 * 13, two system calls per connection), half-close passed on. No routing, no limits, no metrics.
 *
 * `bun bench/minimal/bun_callbacks.ts LISTEN_PORT UPSTREAM_PORT [wait]` (both on 127.0.0.1). With `wait`, it
 * connects upstream only once the client's first bytes arrived, as any router that looks at them must: the
 * runtime's cost of routing by content with no detector at all (the bench's `detect` measure).
 *
 * @module
 */
const [listenPort, upstreamPort] = process.argv.slice(2, 4).map(Number);
const waitForBytes = process.argv[4] === "wait";

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
    if (s.data.peer !== null) send(s.data.peer, s, chunk);
    else {
      s.data.early.push(chunk);
      if (waitForBytes && s.data.early.length === 1) connectFor(s);
    }
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
      if (!waitForBytes) connectFor(client);
    },
  },
});

function connectFor(client: Sock): void {
  bun.connect({
    hostname: "127.0.0.1",
    port: upstreamPort,
    allowHalfOpen: true,
    data: { peer: client, early: [], rest: null },
    socket: handlers,
  }).then((upstream: Sock) => {
    client.data.peer = upstream;
    for (const chunk of client.data.early.splice(0)) send(upstream, client, chunk);
  }, () => client.end());
}
