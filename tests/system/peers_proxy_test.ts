/**
 * System tier: PROXY protocol against real peers. haproxy (`send-proxy`, `send-proxy-v2`) in front of a pmmux
 * subprocess whose bindings accept PROXY headers (`proxy-protocol=true`), and nginx (`listen ...
 * proxy_protocol`, printing `$proxy_protocol_addr`) and haproxy (`accept-proxy`, printing `%[src]`) behind
 * pmmux's `pass ... proxy-protocol=v1|v2` — across IPv4→IPv6 and IPv6→IPv4. Needs root and the apt
 * packages of `.ci/apt-deps`; skips itself otherwise.
 *
 * Run: `deno test -A --unstable-net tests/system/peers_proxy_test.ts`,
 * `bun test --timeout 300000 tests/system/peers_proxy_test.ts`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { freePort, Scratch, skipReason } from "./helpers/daemons.ts";
import { type Nginx, startHaproxy, startNginx, startPmmuxProcess } from "./helpers/peers.ts";
import { connect, dec, enc, readAll, startMux, waitFor } from "../helpers/net.ts";
import { parseBackendSpec } from "../../src/config/spec.ts";
import { buildV1, buildV2 } from "../../src/proxy/mod.ts";
import { netAddr } from "../../src/net/types.ts";

const skip = skipReason("PROXY protocol with real peers", ["haproxy", "nginx"]);

/** Sends `text` from a fresh connection to `host:port`, half-closes, returns the reply and the client port. */
async function ask(
  host: string,
  port: number,
  text: string | Uint8Array,
): Promise<{ reply: string; clientPort: number }> {
  const c = await connect(port, host);
  const clientPort = c.localAddr.port; // read while open: a connected socket's own address is read on first use
  try {
    await c.write(typeof text === "string" ? enc.encode(text) : text);
    await c.closeWrite();
    const bytes = await Promise.race([
      readAll(c),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no reply from ${host}:${port}`)), 15000)
      ),
    ]);
    return { reply: dec.decode(bytes), clientPort };
  } finally {
    c.close();
  }
}

const HAPROXY_DEFAULTS = [
  "global",
  "  log stderr format raw local0 info",
  "defaults",
  "  log global",
  "  option tcplog",
  "  timeout connect 5s",
  "  timeout client 30s",
  "  timeout server 30s",
].join("\n");

describe("PROXY protocol with real peers", () => {
  let s: Scratch;
  let nginx: Nginx;
  before(async () => {
    if (skip) return;
    s = new Scratch("proxy");
    nginx = await startNginx(s, { proxyStreams: ["127.0.0.1", "::1"] });
  });
  after(async () => {
    await s?.cleanup();
  });

  test(
    "haproxy send-proxy / send-proxy-v2 → pmmux (proxy-protocol=true) → pass proxy-protocol → nginx: everyone sees the real client",
    { skip },
    async () => {
      const [ngx4, ngx6] = nginx.streamPorts;
      const m4 = await freePort("127.0.0.1");
      const m6 = await freePort("::1");
      const trusted = `proxy-protocol=true,proxy-protocol.trusted="127.0.0.1;::1"`;
      const mux = await startPmmuxProcess(s, [
        "-v",
        "debug",
        "-p",
        `!:${m4}:tcp:bind-address=127.0.0.1,${trusted}`,
        "-p",
        `!:${m6}:tcp:bind-address="::1",${trusted}`,
        // Routed by the address the header states (the socket's peer is always haproxy), and sent on to nginx
        // over the other family with a header of its own.
        "-b",
        `six:pass:remote-ip="::1",target.ip=127.0.0.1,target.port=${ngx4},proxy-protocol=v2`,
        "-b",
        `four:pass:remote-ip=127.0.0.1,target.ip="::1",target.port=${ngx6},proxy-protocol=v1`,
      ], [["127.0.0.1", m4], ["::1", m6]]);
      const fronts = [
        {
          name: "v4-send-proxy",
          bind: "127.0.0.1",
          port: await freePort(),
          to: `ipv6@::1:${m6}`,
          opt: "send-proxy",
        },
        {
          name: "v6-send-proxy-v2",
          bind: "::1",
          port: await freePort("::1"),
          to: `127.0.0.1:${m4}`,
          opt: "send-proxy-v2",
        },
        {
          name: "v4-send-proxy-v2",
          bind: "127.0.0.1",
          port: await freePort(),
          to: `ipv6@::1:${m6}`,
          opt: "send-proxy-v2",
        },
        {
          name: "v6-send-proxy",
          bind: "::1",
          port: await freePort("::1"),
          to: `127.0.0.1:${m4}`,
          opt: "send-proxy",
        },
      ];
      const cfg = [
        HAPROXY_DEFAULTS,
        "  mode tcp",
        ...fronts.flatMap((f) => [
          `frontend f-${f.name}`,
          `  bind ${f.bind === "::1" ? "ipv6@::1" : f.bind}:${f.port}`,
          `  default_backend b-${f.name}`,
          `backend b-${f.name}`,
          `  server mux ${f.to} ${f.opt}`,
        ]),
        "",
      ].join("\n");
      const haproxy = await startHaproxy(s, cfg, fronts.map((f) => [f.bind, f.port]));
      for (const f of fronts) {
        const { reply, clientPort } = await ask(f.bind, f.port, "hello");
        const note = `${f.name}\n--- pmmux\n${mux.output()}\n--- haproxy\n${haproxy.output()}`;
        assert.equal(reply, `nginx saw ${f.bind} port ${clientPort}\n`, note);
        const shown = f.bind === "::1" ? `[::1]:${clientPort}` : `127.0.0.1:${clientPort}`;
        const v = f.opt === "send-proxy" ? 1 : 2;
        await waitFor(
          () => mux.output().includes(`${shown} -> ${f.bind === "::1" ? "six" : "four"}`),
          5000,
          note,
        );
        assert.ok(mux.output().includes(`PROXY v${v}`) && mux.output().includes(`client ${shown} ->`), note);
      }
      // nginx's own access log: the address pmmux announced, and pmmux's socket of the other family.
      await waitFor(() => nginx.streamLog().length >= 4, 5000, "nginx stream log lines");
      const log = nginx.streamLog();
      console.log(`nginx stream log (proxy_protocol_addr port remote_addr):\n  ${log.join("\n  ")}`);
      assert.ok(log.some((l) => /^127\.0\.0\.1 \d+ ::1$/.test(l)), log.join("\n"));
      assert.ok(log.some((l) => /^::1 \d+ 127\.0\.0\.1$/.test(l)), log.join("\n"));
    },
  );

  test(
    "pmmux pass proxy-protocol=v1|v2 → nginx proxy_protocol and haproxy accept-proxy, IPv4→IPv6 and IPv6→IPv4",
    { skip },
    async () => {
      const [ngx4, ngx6] = nginx.streamPorts;
      const hap4 = await freePort();
      const hap6 = await freePort("::1");
      await startHaproxy(
        s,
        [
          HAPROXY_DEFAULTS,
          "frontend accept",
          "  mode http",
          `  bind 127.0.0.1:${hap4} accept-proxy`,
          `  bind ipv6@::1:${hap6} accept-proxy`,
          '  http-request return status 200 content-type text/plain lf-string "haproxy saw %[src] port %[src_port]\\n"',
          "",
        ].join("\n"),
        [["127.0.0.1", hap4], ["::1", hap6]],
      );
      const peers = [
        { peer: "nginx", v4: ngx4, v6: ngx6, request: "", saw: "nginx saw" },
        { peer: "haproxy", v4: hap4, v6: hap6, request: "GET / HTTP/1.0\r\n\r\n", saw: "haproxy saw" },
      ];
      for (const p of peers) {
        for (const version of ["v1", "v2"]) {
          const m = await startMux([], { level: "information" });
          try {
            const six = await m.app.listeners.open({ transport: "tcp", hostname: "::1", port: 0 });
            m.app.addBackend(
              parseBackendSpec(
                `from4:pass:local-ip=127.0.0.1,target.ip="::1",target.port=${p.v6},proxy-protocol=${version}`,
              ),
            );
            m.app.addBackend(
              parseBackendSpec(
                `from6:pass:local-ip="::1",target.ip=127.0.0.1,target.port=${p.v4},proxy-protocol=${version}`,
              ),
            );
            const a = await ask("127.0.0.1", m.port, p.request);
            assert.ok(
              a.reply.includes(`${p.saw} 127.0.0.1 port ${a.clientPort}\n`),
              `${p.peer} ${version} 4→6: ${a.reply}`,
            );
            const b = await ask("::1", six.addr.port, p.request);
            assert.ok(
              b.reply.includes(`${p.saw} ::1 port ${b.clientPort}\n`),
              `${p.peer} ${version} 6→4: ${b.reply}`,
            );
          } finally {
            await m.stop();
          }
        }
      }
    },
  );

  test(
    "nginx and haproxy accept the mapped IPv6 form pmmux writes when a header's two addresses differ in family",
    { skip },
    async () => {
      const hap = await freePort();
      await startHaproxy(
        s,
        [
          HAPROXY_DEFAULTS,
          "frontend mixed",
          "  mode http",
          `  bind 127.0.0.1:${hap} accept-proxy`,
          '  http-request return status 200 content-type text/plain lf-string "haproxy saw %[src] port %[src_port]\\n"',
          "",
        ].join("\n"),
        [["127.0.0.1", hap]],
      );
      const headers = [
        buildV1(netAddr("203.0.113.7", 40000), netAddr("::1", 8443)),
        buildV2(netAddr("203.0.113.7", 40000), netAddr("::1", 8443)),
      ];
      for (const h of headers) {
        const n = await ask("127.0.0.1", nginx.streamPorts[0], h);
        assert.equal(n.reply, "nginx saw ::ffff:203.0.113.7 port 40000\n");
        const body = new Uint8Array([...h, ...enc.encode("GET / HTTP/1.0\r\n\r\n")]);
        const a = await ask("127.0.0.1", hap, body);
        assert.ok(a.reply.endsWith("haproxy saw ::ffff:203.0.113.7 port 40000\n"), a.reply);
      }
    },
  );
});
