/**
 * UDP and TCP DNS through pmmux to a real DNS server (dnsmasq) with a real client (dig): correct answers,
 * 1000 queries with no loss, on the runtime running the test.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Daemon, freePort, runTool, Scratch, skipReason, startDaemon } from "./helpers/daemons.ts";
import { startMux, type TestMux } from "../helpers/net.ts";

const skip = skipReason("DNS through pmmux", ["dig", "dnsmasq"]);

describe("DNS through pmmux (dig → pmmux → dnsmasq)", { skip }, () => {
  const s = new Scratch("pmmux-dns-");
  let dnsmasq: Daemon;
  let mux: TestMux;
  let dnsPort = 0;

  before(async () => {
    dnsPort = await freePort();
    dnsmasq = startDaemon("dnsmasq", "dnsmasq", [
      "--keep-in-foreground",
      "--no-resolv",
      "--no-hosts",
      "--no-daemon",
      "--listen-address=127.0.0.1",
      "--bind-interfaces",
      `--port=${dnsPort}`,
      "--address=/pmmux.test/10.77.1.2",
      "--txt-record=big.pmmux.test," + "x".repeat(200),
      "--user=root",
      "--pid-file=",
    ]);
    s.defer(() => dnsmasq.stop());
    // Wait for dnsmasq to answer over TCP (it serves both).
    for (let i = 0; i < 100; i++) {
      const r = await runTool("dig", [
        "@127.0.0.1",
        "-p",
        String(dnsPort),
        "+short",
        "+tries=1",
        "+time=1",
        "a.pmmux.test",
      ]);
      if (r.stdout.trim() === "10.77.1.2") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    mux = await startMux([`dns:pass:detect=dns,target.ip=127.0.0.1,target.port=${dnsPort}`, `other:noop`], {
      transports: ["tcp", "udp"],
      level: "information",
    });
    s.defer(() => mux.stop());
  });
  after(() => s.cleanup());

  test("dig over UDP through pmmux gets the server's answer", async () => {
    const r = await runTool("dig", ["@127.0.0.1", "-p", String(mux.udpPort), "+short", "www.pmmux.test"]);
    assert.equal(r.stdout.trim(), "10.77.1.2", r.stderr + dnsmasq.output());
  });

  test("dig over TCP (+tcp) through the same port number gets the answer", async () => {
    const r = await runTool("dig", [
      "@127.0.0.1",
      "-p",
      String(mux.port),
      "+tcp",
      "+short",
      "tcp.pmmux.test",
    ]);
    assert.equal(r.stdout.trim(), "10.77.1.2");
    const t = await runTool("dig", [
      "@127.0.0.1",
      "-p",
      String(mux.port),
      "+tcp",
      "+short",
      "TXT",
      "big.pmmux.test",
    ]);
    assert.ok(t.stdout.includes("x".repeat(200)));
  });

  test("1000 queries over UDP through pmmux, no loss", async () => {
    const batch = join(s.dir, "batch.txt");
    writeFileSync(batch, Array.from({ length: 1000 }, (_, i) => `q${i}.pmmux.test A`).join("\n") + "\n");
    const started = Date.now();
    const r = await runTool("dig", [
      "@127.0.0.1",
      "-p",
      String(mux.udpPort),
      "+short",
      "+tries=1",
      "+time=2",
      "-f",
      batch,
    ], {
      timeout: 120000,
    });
    const answers = r.stdout.trim().split("\n").filter((l) => l === "10.77.1.2").length;
    console.log(
      `dns: 1000 sequential queries through pmmux in ${Date.now() - started} ms, ${answers} answers`,
    );
    assert.equal(answers, 1000, r.stderr.slice(0, 500));
  });
});
