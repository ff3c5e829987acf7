/**
 * The smallest useful TCP relay on Deno, to find the runtime's limit (issue 8): one read→write loop per
 * direction with a 16 KiB buffer each, TCP_NODELAY, half-close passed on (the last direction to end sends its
 * FIN with the close, as pmmux does since session 13). No routing, no limits, no metrics.
 *
 * `deno run -A bench/minimal/deno_loop.ts LISTEN_PORT UPSTREAM_PORT [wait]` (both on 127.0.0.1). With `wait`, it
 * reads the client's first bytes before it connects upstream, as any router that looks at them must: the
 * runtime's cost of routing by content with no detector at all (the bench's `detect` measure).
 *
 * @module
 */
const [listenPort, upstreamPort] = Deno.args.slice(0, 2).map(Number);
const waitForBytes = Deno.args[2] === "wait";

async function pump(from: Deno.TcpConn, to: Deno.TcpConn, ends: { n: number }): Promise<void> {
  const buf = new Uint8Array(16384);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) break;
      for (let done = 0; done < n;) done += await to.write(buf.subarray(done, n));
    }
    if (++ends.n < 2) await to.closeWrite();
  } catch {
    for (const c of [from, to]) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  }
}

async function handle(client: Deno.TcpConn): Promise<void> {
  client.setNoDelay(true);
  let first: Uint8Array | null = null;
  if (waitForBytes) {
    const buf = new Uint8Array(16384);
    const n = await client.read(buf);
    if (n === null) return client.close();
    first = buf.subarray(0, n);
  }
  const upstream = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
  upstream.setNoDelay(true);
  if (first !== null) {
    for (let done = 0; done < first.length;) done += await upstream.write(first.subarray(done));
  }
  const ends = { n: 0 };
  await Promise.all([pump(client, upstream, ends), pump(upstream, client, ends)]);
  for (const c of [client, upstream]) {
    try {
      c.close();
    } catch { /* closed */ }
  }
}

for await (const client of Deno.listen({ hostname: "127.0.0.1", port: listenPort })) {
  handle(client).catch(() => client.close());
}
