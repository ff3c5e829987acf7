/**
 * The HTTP backends end to end through an in-process pmmux, with real clients (curl, fetch, WebSocket) and a
 * real upstream server (the runtime's own, from tests/helpers/http.ts).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawn } from "node:child_process";
import { connect, enc, net, readUntil, startMux, type TestMux, waitFor } from "../helpers/net.ts";
import { curl, type Seen, startUpstream, type TestUpstream } from "../helpers/http.ts";
import { within } from "../net/helpers.ts";
import { parseHealthCheckSpec } from "../../src/config/spec.ts";
import type { Negotiator } from "../../src/negotiators/types.ts";

/** Stands in for TLS termination: marks every connection as decrypted TLS with an SNI. */
function fakeTls(sni: string): Negotiator {
  return {
    name: "fake-tls",
    negotiate(preview, ctx) {
      ctx.props.set("tls", "true");
      ctx.props.set("tls.sni", sni);
      return Promise.resolve(preview);
    },
  };
}

async function freePort(): Promise<number> {
  const l = await (await net()).listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

async function withMux(
  backends: string[],
  fn: (m: TestMux) => Promise<void>,
  options: Parameters<typeof startMux>[1] = {},
): Promise<void> {
  const m = await startMux(backends, { level: "information", ...options });
  m.app.health.sync(); // startMux opens listeners itself, without app.start()
  try {
    await fn(m);
  } finally {
    await m.stop();
  }
}

describe("http-response end to end", () => {
  test("answers every path, favicon.ico included, with templates filled from the request", async () => {
    await withMux([
      "web:http-response:response.body=hello {scheme} {host} {port} {method} {path} {query},response.header[X-Path]={path},response.header[Cache-Control]=no-cache; private",
    ], async (m) => {
      for (const path of ["/", "/favicon.ico", "/a/b/c?x=1&y=2", "/robots.txt"]) {
        const r = await curl(["-i", `http://127.0.0.1:${m.port}${path}`]);
        assert.equal(r.code, 0, r.stderr);
        const [p, q = ""] = path.split("?");
        assert.match(r.stdout, /^HTTP\/1.1 200/);
        assert.match(r.stdout, new RegExp(`x-path: ${p.replace(/[.?]/g, "\\$&")}\\r\\n`, "i"));
        assert.match(
          r.stdout,
          /cache-control: no-cache; private\r\n/i,
          "values are used verbatim, not split on ;",
        );
        assert.ok(r.stdout.endsWith(`hello http 127.0.0.1 ${m.port} GET ${p} ${q ? "?" + q : ""}`), r.stdout);
      }
      const res = await fetch(`http://127.0.0.1:${m.port}/favicon.ico`, { method: "POST", body: "ignored" });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), `hello http 127.0.0.1 ${m.port} POST /favicon.ico `);
    });
  });

  test("closes a keep-alive connection idle for idle-timeout, and not one that keeps asking", async () => {
    await withMux(["web:http-response:response.body=hi,idle-timeout=400"], async (m) => {
      const ask = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
      const idle = await connect(m.port);
      const busy = await connect(m.port);
      try {
        await idle.write(enc.encode(ask));
        await readUntil(idle, "hi");
        const started = Date.now();
        const idleEnd = idle.read().then((chunk) => ({ chunk, after: Date.now() - started }));
        // `busy` asks every 100 ms for 1 s: never idle for 400 ms.
        for (let i = 0; i < 10; i++) {
          await busy.write(enc.encode(ask));
          await readUntil(busy, "hi");
          await new Promise((r) => setTimeout(r, 100));
        }
        const { chunk, after } = await idleEnd;
        assert.equal(chunk, null, "the idle one was closed");
        assert.ok(after >= 300 && after < 1000, `closed after ${after} ms`);
        await busy.write(enc.encode(ask));
        assert.match(await readUntil(busy, "hi"), /200 OK/, "the busy one is still served");
      } finally {
        idle.close();
        busy.close();
      }
    });
  });

  test("redirects HTTP to HTTPS with status 301 and a templated Location, favicon.ico too", async () => {
    await withMux([
      "redirect:http-response:response.status=301,response.header[Location]=https://{host}{path}{query}",
    ], async (m) => {
      for (const path of ["/favicon.ico", "/shop/cart?item=7"]) {
        const r = await curl(["-si", "-H", "Host: shop.example:8080", `http://127.0.0.1:${m.port}${path}`]);
        assert.match(r.stdout, /^HTTP\/1.1 301/);
        assert.match(
          r.stdout,
          new RegExp(`location: https://shop\\.example${path.replace(/[.?]/g, "\\$&")}\\r\\n`, "i"),
        );
      }
      const res = await fetch(`http://127.0.0.1:${m.port}/x`, { redirect: "manual" });
      assert.equal(res.status, 301);
      assert.equal(res.headers.get("location"), `https://127.0.0.1/x`);
      await res.body?.cancel();
    });
  });

  test("says https in {scheme} behind TLS termination and routes by SNI before the Host header", async () => {
    await withMux([
      "tls:http-response:host=secure\\.example,response.body={scheme}://{host}",
      "other:http-response:response.body=other",
    ], async (m) => {
      const r = await curl(["-s", "-H", "Host: plain.example", `http://127.0.0.1:${m.port}/`]);
      assert.equal(r.stdout, "https://plain.example");
    }, { negotiators: [fakeTls("secure.example")] });
  });
});

describe("http-proxy end to end", () => {
  test("forwards X-Forwarded-* and serves 1000 keep-alive requests on one client connection", async () => {
    const up = await startUpstream("u1");
    try {
      await withMux([`web:http-proxy:proxy.address=http://127.0.0.1:${up.port}`], async (m) => {
        const r = await curl(["-H", "Host: shop.example:8080", `http://127.0.0.1:${m.port}/a?b=1`]);
        const seen = JSON.parse(r.stdout) as Seen;
        assert.equal(seen.path, "/a?b=1");
        assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1");
        assert.equal(seen.headers["x-forwarded-proto"], "http");
        assert.equal(seen.headers["x-forwarded-host"], "shop.example:8080");
        assert.equal(seen.headers["host"], `127.0.0.1:${up.port}`);

        const entry = m.app.tcp.table.get("web")!;
        const before = entry.requests;
        const urls = Array.from({ length: 1000 }, (_, i) => `http://127.0.0.1:${m.port}/n/${i}`);
        const many = await curl(["-w", "\\n%{num_connects}\\n", ...urls], { timeoutMs: 60000 });
        assert.equal(many.code, 0, many.stderr);
        const bodies = many.stdout.split("\n").filter((l) => l.startsWith("{"));
        assert.equal(bodies.length, 1000);
        assert.equal((JSON.parse(bodies[999]) as Seen).path, "/n/999");
        const connects = many.stdout.split("\n").filter((l) => /^\d+$/.test(l)).reduce(
          (a, b) => a + Number(b),
          0,
        );
        assert.equal(connects, 1, "curl opened one connection");
        assert.equal(entry.requests - before, 1, "pmmux routed one connection");
      });
    } finally {
      await up.close();
    }
  });

  test("says https in X-Forwarded-Proto behind TLS termination and keeps the Host with preserve-host", async () => {
    const up = await startUpstream("u1");
    try {
      await withMux([
        `web:http-proxy:proxy.address=http://127.0.0.1:${up.port},proxy.preserve-host=true`,
      ], async (m) => {
        // curl, not fetch: Deno's fetch does not send a custom Host header.
        const seen = JSON.parse(
          (await curl(["-H", "Host: shop.example", `http://127.0.0.1:${m.port}/`])).stdout,
        ) as Seen;
        assert.equal(seen.headers["x-forwarded-proto"], "https");
        assert.equal(seen.headers["host"], "shop.example");
      }, { negotiators: [fakeTls("shop.example")] });
    } finally {
      await up.close();
    }
  });

  test("routes by host and path to two upstreams and transforms paths and headers", async () => {
    const u1 = await startUpstream("u1");
    const u2 = await startUpstream("u2");
    try {
      await withMux([
        `one:http-proxy:host=one\\.example,proxy.address=http://127.0.0.1:${u1.port},proxy.transform[ResponseHeader.X-Upstream]=,proxy.transform[ResponseHeader.X-Via]=pmmux {host}`,
        `two:http-proxy:path=/api/.*,proxy.address=http://127.0.0.1:${u2.port}/v2,proxy.transform[PathRemovePrefix]=/api,proxy.transform[RequestHeader.X-Route]=two`,
        "fallback:http-response:response.status=404,response.body=no route",
      ], async (m) => {
        const a = await curl(["-i", "-H", "Host: one.example", `http://127.0.0.1:${m.port}/x`]);
        assert.doesNotMatch(a.stdout, /x-upstream:/i, "removed by a response transform");
        assert.match(a.stdout, /x-via: pmmux one\.example\r\n/i);
        assert.match(a.stdout, /"name":"u1"/);
        // One client connection per request: routing is decided per connection, on its first request.
        const b = JSON.parse((await curl([`http://127.0.0.1:${m.port}/api/users?id=3`])).stdout) as Seen;
        assert.equal(b.name, "u2");
        assert.equal(b.path, "/v2/users?id=3");
        assert.equal(b.headers["x-route"], "two");
        const c = await curl(["-i", `http://127.0.0.1:${m.port}/elsewhere`]);
        assert.match(c.stdout, /^HTTP\/1.1 404/);
        assert.ok(c.stdout.endsWith("no route"));
      });
    } finally {
      await u1.close();
      await u2.close();
    }
  });

  test("answers 502 when the upstream is unreachable and 504 when a timeout expires first", async () => {
    const up = await startUpstream("u1");
    const dead = await freePort();
    try {
      await withMux([
        `dead:http-proxy:path=/dead/.*,proxy.address=http://127.0.0.1:${dead}`,
        `whole:http-proxy:path=/sleep,proxy.timeout=300,proxy.address=http://127.0.0.1:${up.port}`,
        `idle:http-proxy:path=/idle/.*,proxy.activity-timeout=300,proxy.address=http://127.0.0.1:${up.port},proxy.transform[PathRemovePrefix]=/idle`,
      ], async (m) => {
        // curl, one connection per request: routing is decided per connection (fetch would reuse one).
        const get = async (path: string) => {
          const r = await curl(["-w", "\n%{http_code}", `http://127.0.0.1:${m.port}${path}`]);
          const lines = r.stdout.split("\n");
          return { status: Number(lines.pop()), text: lines.join("\n") };
        };
        assert.equal((await get("/dead/x")).status, 502);
        let t = Date.now();
        const r504 = await get("/sleep?ms=3000");
        assert.equal(r504.status, 504);
        assert.match(r504.text, /proxy.timeout/);
        assert.ok(Date.now() - t < 2000, `504 after ${Date.now() - t} ms`);
        t = Date.now();
        const idle = await get("/idle/sleep?ms=3000");
        assert.equal(idle.status, 504);
        assert.match(idle.text, /proxy.activity-timeout/);
        assert.ok(Date.now() - t < 2000, `504 after ${Date.now() - t} ms`);
        assert.equal((await get("/idle/sleep?ms=50")).text, "slept 50", "activity inside the limit passes");
        const kept = await curl([
          "-o",
          "/dev/null",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}:%{num_connects} ",
          `http://127.0.0.1:${m.port}/dead/x`,
          `http://127.0.0.1:${m.port}/dead/y`,
        ]);
        assert.equal(kept.stdout, "502:1 502:0 ", "the client connection survives a 502");
      });
    } finally {
      await up.close();
    }
  });

  test("closes a connection whose first request head stops coming for idle-timeout", async () => {
    const up = await startUpstream("u1");
    try {
      await withMux(
        [`api:http-proxy:idle-timeout=300,proxy.address=http://127.0.0.1:${up.port}`],
        async (m) => {
          const c = await connect(m.port);
          try {
            // The request line routes the connection; the rest of the head never comes.
            await c.write(enc.encode("GET /slow HTTP/1.1\r\nHost: x\r\n"));
            const started = Date.now();
            assert.equal(await within(c.read(), 3000, "the close"), null);
            const after = Date.now() - started;
            assert.ok(after >= 250, `closed after ${after} ms`);
            assert.equal(up.requests, 0, "nothing reached the upstream");
          } finally {
            c.close();
          }
        },
      );
    } finally {
      await up.close();
    }
  });

  test("answers 502 when the upstream answers a status outside 200-599, 101 to a plain request included", async () => {
    const answers = ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw", "HTTP/1.1 999 Odd\r\n\r\n"];
    let n = 0;
    const raw = await (await net()).listenTcp({ hostname: "127.0.0.1", port: 0 });
    void (async () => {
      for (;;) {
        const c = await raw.accept();
        if (c === null) return;
        void (async () => {
          await c.read();
          await c.write(enc.encode(answers[n++ % answers.length]));
          // Stays open: a client waiting on the 101 would wait for it.
          setTimeout(() => c.close(), 10_000);
        })().catch(() => c.close());
      }
    })();
    try {
      await withMux([`odd:http-proxy:proxy.address=http://127.0.0.1:${raw.addr.port}`], async (m) => {
        for (const status of [101, 999]) {
          const r = await curl(["-m", "5", "-w", "\n%{http_code}", `http://127.0.0.1:${m.port}/x`]);
          const lines = r.stdout.split("\n");
          assert.equal(lines.pop(), "502", `upstream ${status}: ${r.stdout} ${r.stderr}`);
          assert.match(lines.join("\n"), new RegExp(`answered with status ${status}`));
        }
      });
    } finally {
      raw.close();
    }
  });

  test("tunnels a WebSocket upgrade to the upstream and echoes a round trip", async () => {
    const up = await startUpstream("u1");
    try {
      await withMux([`web:http-proxy:proxy.address=http://127.0.0.1:${up.port}`], async (m) => {
        const ws = new WebSocket(`ws://127.0.0.1:${m.port}/ws`);
        ws.binaryType = "arraybuffer";
        const messages: (string | Uint8Array)[] = [];
        const next = () =>
          new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error("no WebSocket message")), 5000);
            ws.onmessage = (e) => {
              clearTimeout(t);
              messages.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data));
              resolve();
            };
          });
        await new Promise<void>((resolve, reject) => {
          ws.onopen = () => resolve();
          ws.onerror = () => reject(new Error("WebSocket failed to open"));
        });
        ws.send("hello");
        await next();
        ws.send(new Uint8Array([1, 2, 3]));
        await next();
        assert.deepEqual(messages, ["u1:hello", new Uint8Array([1, 2, 3])]);
        const closed = new Promise((r) => ws.onclose = r);
        ws.close(1000, "bye");
        await closed;
      });
    } finally {
      await up.close();
    }
  });

  test("streams bodies: the upstream gets the first upload bytes and the client the first download bytes early", async () => {
    const up = await startUpstream("u1");
    try {
      await withMux([`web:http-proxy:proxy.address=http://127.0.0.1:${up.port}`], async (m) => {
        const c = await connect(m.port);
        try {
          await c.write(enc.encode("POST /count HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
          await c.write(enc.encode(`10000\r\n${"x".repeat(0x10000)}\r\n`));
          await waitFor(
            () => up.receiving === 0x10000,
            3000,
            "the first chunk upstream before the body ends",
          );
          await c.write(enc.encode("0\r\n\r\n"));
          assert.match(await readUntil(c, "\r\n\r\n65536"), /^HTTP\/1.1 200/);
          const t = Date.now();
          await c.write(enc.encode("GET /drip?ms=1500 HTTP/1.1\r\nHost: a\r\n\r\n"));
          await readUntil(c, "first\n", 1000);
          assert.ok(Date.now() - t < 1000, "the first bytes arrive before the upstream has finished");
          await readUntil(c, "last\n", 3000);
        } finally {
          c.close();
        }
      });
    } finally {
      await up.close();
    }
  });

  test("streams a 256 MiB upload and a 256 MiB download with bounded memory", async () => {
    const up = await startUpstream("u1");
    const size = 256 * 1024 * 1024;
    try {
      await withMux([`web:http-proxy:proxy.address=http://127.0.0.1:${up.port}`], async (m) => {
        const transfer = async () => {
          const upload = await sh(
            `head -c ${size} /dev/zero | curl -sS -T - http://127.0.0.1:${m.port}/count`,
          );
          assert.equal(upload, String(size));
          const down = await sh(
            `curl -sS -o /dev/null -w '%{size_download}' 'http://127.0.0.1:${m.port}/bytes?n=${size}'`,
          );
          assert.equal(down, String(size));
        };
        const mib = (n: number) => Math.round(n / 1048576);
        // The first pass warms the runtime's allocators up; memory must not grow pass after pass.
        const start = process.memoryUsage().rss;
        let peak = start;
        const sampler = setInterval(() => peak = Math.max(peak, process.memoryUsage().rss), 50);
        const peaks: number[] = [];
        try {
          for (let pass = 0; pass < 3; pass++) {
            await transfer();
            peaks.push(peak);
          }
        } finally {
          clearInterval(sampler);
        }
        console.log(
          `256 MiB up and down through http-proxy, three times: RSS ${mib(start)} MiB at start, peak after ` +
            `each pass ${peaks.map(mib).join(" / ")} MiB (test process incl. upstream)`,
        );
        // Pass 1 includes the runtime's own warm-up (Deno's heap grows ~100-280 MiB here whatever the path);
        // tests/system/http_big_test.ts shows that 1 GiB each way does not grow it further. The GC's timing
        // alone moved one later pass by 13-228 MiB on Deno (the larger figures inside the whole suite), but
        // that does not add up from pass to pass, while keeping the bodies would: 512 MiB per pass, over
        // 1 GiB across passes 2 and 3. The bound sits between the two.
        const grown = peaks[2] - peaks[0];
        assert.ok(grown < 400 * 1048576, `RSS grew by ${mib(grown)} MiB over passes 2 and 3`);
      });
    } finally {
      await up.close();
    }
  });

  test("turns Unhealthy when the upstream stops answering and Healthy again when it is back", async () => {
    let up: TestUpstream = await startUpstream("u1");
    const port = up.port;
    try {
      await withMux([
        `web:http-proxy:proxy.address=http://127.0.0.1:${port}`,
        "fallback:http-response:priority=fallback,response.status=503,response.body=down",
      ], async (m) => {
        const entry = m.app.tcp.table.get("web")!;
        await waitFor(() => entry.status === "Healthy", 3000, "web Healthy");
        assert.match((await curl([`http://127.0.0.1:${m.port}/`])).stdout, /"name":"u1"/);
        await up.close();
        await waitFor(() => entry.status === "Unhealthy", 5000, "web Unhealthy");
        assert.match(entry.statusReason, /ECONNREFUSED|request failed/);
        const down = await curl(["-i", `http://127.0.0.1:${m.port}/`]);
        assert.match(down.stdout, /^HTTP\/1.1 503/, "a new connection goes to the fallback");
        up = await startUpstream("u1", { port });
        await waitFor(() => entry.status === "Healthy", 5000, "web Healthy again");
        assert.ok(m.logs.some((l) => l.includes('Backend "web" (TCP) Unhealthy -> Stabilizing')));
      }, {
        routingStrategy: "least-requests",
        healthChecks: [
          parseHealthCheckSpec(
            'http-proxy:interval=50,timeout=500,failure-threshold=2,recovery-threshold=2,path="/status?code=204"',
          ),
        ],
      });
    } finally {
      await up.close();
    }
  });

  test("reports a check whose status is outside the accepted list", async () => {
    const up = await startUpstream("u1");
    try {
      await withMux([`web:http-proxy:proxy.address=http://127.0.0.1:${up.port}`], async (m) => {
        const entry = m.app.tcp.table.get("web")!;
        await waitFor(() => entry.status === "Unhealthy", 3000, "web Unhealthy");
        assert.match(entry.statusReason, /status 404 is not in "200-299;301"/);
      }, {
        healthChecks: [
          parseHealthCheckSpec('http-proxy:web:interval=50,path="/status?code=404",status=200-299;301'),
        ],
      });
    } finally {
      await up.close();
    }
  });
});

/** Runs a shell pipeline and returns its stdout; rejects on a non-zero exit. */
function sh(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
    child.stderr.setEncoding("utf8").on("data", (d: string) => err += d);
    child.on(
      "close",
      (code) => code === 0 ? resolve(out) : reject(new Error(`${command}: exit ${code}: ${err}`)),
    );
  });
}
