/**
 * System tier: one pmmux port (in-process, on the runtime running the test) in front of real servers —
 * OpenSSH, two `openssl s_server` sites told apart by SNI, nginx for plain HTTP, and a catch-all — driven by
 * real clients (ssh, curl), directly, one byte per write with 10 ms gaps, and with the ClientHello split in
 * two writes 200 ms apart. Needs root and the apt packages of `.ci/apt-deps`; skips itself otherwise.
 *
 * Run: `deno test -A --unstable-net tests/system/peers_mux_test.ts`,
 * `bun test --timeout 300000 tests/system/peers_mux_test.ts`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { which } from "./helpers/daemons.ts";
import { runTool, Scratch, skipReason } from "./helpers/daemons.ts";
import { type Nginx, type Sshd, startNginx, startSshd, startTlsSite } from "./helpers/peers.ts";
import { slowRelay } from "./helpers/relay.ts";
import {
  connect,
  dec,
  enc,
  namedEcho,
  readAll,
  readUntil,
  startMux,
  type TestMux,
  type TestServer,
} from "../helpers/net.ts";
import { fixture } from "../detect/helpers.ts";

const skip = skipReason("real-peer multiplexing", ["sshd", "ssh", "ssh-keygen", "openssl", "curl", "nginx"]);

describe("one pmmux port in front of real servers", () => {
  let s: Scratch;
  let sshd: Sshd;
  let siteA: { port: number };
  let siteB: { port: number };
  let nginx: Nginx;
  let rest: TestServer;
  let mux: TestMux;
  before(async () => {
    if (skip) return;
    s = new Scratch("mux");
    sshd = await startSshd(s);
    siteA = await startTlsSite(s, "site-a", "a.test");
    siteB = await startTlsSite(s, "site-b", "b.test");
    nginx = await startNginx(s, { http: true });
    rest = await namedEcho("catch-all");
    s.defer(() => rest.close());
    const to = (port: number) => `target.ip=127.0.0.1,target.port=${port}`;
    mux = await startMux([
      `ssh:pass:detect=ssh,${to(sshd.port)}`,
      `site-a:pass:detect=tls,sni=a\\.test|example\\.com,${to(siteA.port)}`,
      `site-b:pass:detect=tls,sni=b\\.test,${to(siteB.port)}`,
      `web:pass:detect=http,${to(nginx.httpPort)}`,
      `rest:pass:${to(rest.port)}`,
    ], { selectionTimeout: 15000, level: "information" });
    s.defer(() => mux.stop());
  });
  after(async () => {
    await s?.cleanup();
  });

  const curl = (args: string[]) =>
    runTool(which("curl") ?? "curl", ["-sS", "--max-time", "25", ...args], { timeout: 30000 });
  const https = (host: string, port: number) =>
    curl(["-k", "--resolve", `${host}:${port}:127.0.0.1`, `https://${host}:${port}/id.txt`]);

  async function rawExchange(port: number, text: string): Promise<string> {
    const c = await connect(port);
    try {
      await c.write(enc.encode(text));
      await c.closeWrite();
      return dec.decode(await readAll(c));
    } finally {
      c.close();
    }
  }

  /** Every case, against a port that is either pmmux itself or a relay in front of it. */
  async function everyCase(port: number): Promise<void> {
    const login = await sshd.login(port, "echo ssh-login-ok; id -u");
    assert.equal(login.code, 0, `ssh failed: ${login.stderr}`);
    assert.equal(login.stdout, "ssh-login-ok\n0\n");
    const a = await https("a.test", port);
    assert.equal(a.stdout, "site-a\n", a.stderr);
    const b = await https("b.test", port);
    assert.equal(b.stdout, "site-b\n", b.stderr);
    const web = await curl([`http://127.0.0.1:${port}/`]);
    assert.equal(web.stdout, "nginx-web\n", web.stderr);
    assert.equal(await rawExchange(port, "just some bytes\n"), "catch-all\njust some bytes\n");
  }

  test(
    "ssh logs in, curl reaches site-a and site-b by SNI and nginx by HTTP, the rest goes to the catch-all",
    { skip },
    async () => {
      await everyCase(mux.port);
    },
  );

  test("the same, every client's first 600 bytes sent one per write with 10 ms gaps", { skip }, async () => {
    const relay = await slowRelay("127.0.0.1", mux.port, { mode: "bytes", gapMs: 10, dribble: 600 });
    s.defer(() => relay.close());
    await everyCase(relay.port);
    assert.ok(relay.singleWrites() > 1500, `only ${relay.singleWrites()} single-byte writes`);
  });

  test("curl's ClientHello split into two writes 200 ms apart still routes by SNI", { skip }, async () => {
    const relay = await slowRelay("127.0.0.1", mux.port, { mode: "split", splitDelayMs: 200 });
    s.defer(() => relay.close());
    const started = Date.now();
    assert.equal((await https("a.test", relay.port)).stdout, "site-a\n");
    assert.equal((await https("b.test", relay.port)).stdout, "site-b\n");
    assert.ok(Date.now() - started >= 400);
    assert.ok(relay.firstChunks.every((n) => n > 200), `first chunks ${relay.firstChunks}: whole hellos`);
  });

  test("a captured openssl s_client hello sent in two halves 200 ms apart reaches the right s_server", {
    skip,
  }, async () => {
    // tls_client_hello_sni.bin: `openssl s_client -servername Example.COM`; site-a also takes example.com.
    const hello = fixture("tls_client_hello_sni.bin");
    const c = await connect(mux.port);
    try {
      const half = hello.length >> 1;
      await c.write(hello.subarray(0, half));
      await new Promise((r) => setTimeout(r, 200));
      await c.write(hello.subarray(half));
      const reply = await c.read();
      assert.ok(reply && reply.length > 5, "a reply");
      assert.deepEqual([...reply!.subarray(0, 2)], [0x16, 0x03], "a TLS handshake record (ServerHello)");
    } finally {
      c.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(mux.logs.some((l) => / -> site-a /.test(l)), mux.logs.join("\n"));
  });

  test(
    "an SSH client still connects when an HTTP detector is listed before the SSH catch-all",
    { skip },
    async () => {
      const m = await startMux([
        `web:pass:detect=http,target.ip=127.0.0.1,target.port=${nginx.httpPort}`,
        `ssh:pass:target.ip=127.0.0.1,target.port=${sshd.port}`,
      ], { selectionTimeout: 1500, level: "information" });
      try {
        const login = await sshd.login(m.port, "echo behind-http-detector");
        assert.equal(login.code, 0, login.stderr);
        assert.equal(login.stdout, "behind-http-detector\n");
        // A client that waits for the server's banner (sends nothing) gets it once the selection deadline passes.
        const c = await connect(m.port);
        const started = Date.now();
        try {
          const banner = await readUntil(c, "\r\n", 6000);
          const ms = Date.now() - started;
          assert.match(banner, /^SSH-2\.0-OpenSSH/);
          assert.ok(ms >= 1300 && ms < 4000, `banner after ${ms} ms`);
        } finally {
          c.close();
        }
        assert.equal((await curl([`http://127.0.0.1:${m.port}/`])).stdout, "nginx-web\n");
      } finally {
        await m.stop();
      }
    },
  );
});
