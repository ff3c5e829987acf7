/**
 * The smallest useful TCP relay on Deno, to find the runtime's limit (issue 8): one read→write loop per
 * direction with a 16 KiB buffer each, TCP_NODELAY, half-close passed on. No routing, no limits, no metrics.
 *
 * `deno run -A bench/minimal/deno_loop.ts LISTEN_PORT UPSTREAM_PORT` (both on 127.0.0.1)
 *
 * @module
 */
const [listenPort, upstreamPort] = Deno.args.map(Number);

async function pump(from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
  const buf = new Uint8Array(16384);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) break;
      for (let done = 0; done < n;) done += await to.write(buf.subarray(done, n));
    }
    await to.closeWrite();
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
  const upstream = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
  upstream.setNoDelay(true);
  await Promise.all([pump(client, upstream), pump(upstream, client)]);
  for (const c of [client, upstream]) {
    try {
      c.close();
    } catch { /* closed */ }
  }
}

for await (const client of Deno.listen({ hostname: "127.0.0.1", port: listenPort })) {
  handle(client).catch(() => client.close());
}
