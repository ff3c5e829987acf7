/**
 * NAT port mapping against a real gateway (SPEC §13): miniupnpd in a network namespace routes between the LAN
 * namespace where pmmux runs (as a subprocess, under the runtime running this test) and a WAN namespace where
 * the client is. Needs root; installs the Debian packages it lacks. Run with
 * `deno test -A --unstable-net tests/system/nat_test.ts` and `bun test tests/system/nat_test.ts`.
 *
 * @module
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import process from "node:process";
import {
  installTools,
  LAB,
  labUnavailable,
  missingTools,
  NatLab,
  type Started,
  stop,
  waitFor,
} from "./netns.ts";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const RUNTIME = process.versions.bun !== undefined ? "bun" : "deno";
const RUNTIME_ARGS = RUNTIME === "bun" ? [MAIN] : ["run", "-A", "--unstable-net", MAIN];
const TIMEOUT = { timeout: 120000 };

const unavailable = labUnavailable();
if (unavailable) console.log(`tests/system/nat_test.ts skipped: ${unavailable}`);

describe(`NAT port mapping against miniupnpd (pmmux on ${RUNTIME})`, { skip: unavailable ?? false }, () => {
  let lab: NatLab;
  const running = new Set<Started>();

  before(async () => {
    const missing = missingTools();
    if (missing.length > 0) installTools(missing);
    lab = await NatLab.create();
  }, { timeout: 600000 });

  after(async () => {
    for (const p of running) await stop(p, "SIGKILL", 2000);
    await lab?.destroy();
  });

  /** Starts pmmux in the LAN namespace with an echo backend. */
  function pmmux(args: string[]): Started {
    const p = lab.spawnIn(lab.ns.lan, process.execPath, [
      ...RUNTIME_ARGS,
      "-b",
      "e:echo",
      "-v",
      "debug",
      ...args,
    ]);
    running.add(p);
    return p;
  }

  /** SIGINT, as a user's Ctrl-C; resolves with the exit code. */
  async function stopPmmux(p: Started): Promise<number | string> {
    const code = await stop(p, "SIGINT", 20000);
    running.delete(p);
    return code;
  }

  async function waitLog(p: Started, pattern: RegExp, timeout: number): Promise<RegExpMatchArray> {
    await waitFor(() => pattern.test(p.output()) || p.child.exitCode !== null, timeout, `log line ${pattern}`)
      .catch((err) => {
        throw new Error(`${(err as Error).message}\n--- pmmux output ---\n${p.output()}`);
      });
    const m = p.output().match(pattern);
    if (!m) throw new Error(`pmmux exited (${p.child.exitCode}) before logging ${pattern}:\n${p.output()}`);
    return m;
  }

  const mapped = (list: string[], proto: string, pub: number, local: number) =>
    list.some((l) =>
      new RegExp(`${proto}\\s+${pub}->${LAB.lanHost.replaceAll(".", "\\.")}:${local}\\s`).test(l)
    );

  /** Stops pmmux and shows its mappings are gone from the gateway and the port is closed from the WAN. */
  async function stopAndCheckGone(p: Started, checks: Array<[string, number, number]>): Promise<void> {
    assert.equal(await stopPmmux(p), 0, p.output());
    assert.match(p.output(), /Port mapping .* deleted/);
    const list = await lab.upnpList();
    for (const [proto, pub, local] of checks) {
      assert.ok(
        !mapped(list, proto, pub, local),
        `${proto} ${pub} still mapped after exit: ${list.join(" | ")}`,
      );
    }
    if (checks[0][0] === "TCP") assert.equal(await lab.tcpFromWan(checks[0][1], "after"), "");
  }

  test(
    "the WAN reaches the backend through the mapping, which is renewed and deleted at exit",
    TIMEOUT,
    async () => {
      await lab.startGateway();
      const p = pmmux(["-p", "7000:7000:tcp", "--port-map-lifetime", "8", "--port-map-renewal-lead", "3"]);
      const m = await waitLog(
        p,
        /Port mapping TCP 10\.77\.0\.1:7000 -> local port 7000 active \(lifetime (\d+) s\)/,
        30000,
      );
      assert.equal(m[1], "8");
      assert.match(
        p.output(),
        /NAT device found: (NAT-PMP|UPnP) gateway 10\.77\.1\.1, public address 10\.77\.0\.1/,
      );
      const mappedAt = Date.now();
      assert.ok(mapped(await lab.upnpList(), "TCP", 7000, 7000));
      assert.equal(await lab.tcpFromWan(7000, "hello-nat"), "hello-nat");

      // Lifetime 8 s, lead 3 s: renewed every 5 s; past the first lifetime the mapping is still there.
      await waitFor(
        () => (p.output().match(/TCP 10\.77\.0\.1:7000 -> local port 7000 renewed/g) ?? []).length >= 3,
        30000,
        "three renewals",
      );
      const stamps = [
        ...p.output().matchAll(
          /^(\S+) dbug pmmux\.portmap: Port mapping TCP \S+ -> local port 7000 renewed/gm,
        ),
      ]
        .map((r) => Date.parse(r[1]));
      const intervals = stamps.slice(1).map((t, i) => t - stamps[i]);
      console.log(`renewal intervals on ${RUNTIME} (ms): ${intervals.join(", ")}`);
      for (const ms of intervals) assert.ok(ms >= 4900 && ms <= 6500, `renewal interval ${ms} ms`);
      assert.ok(Date.now() - mappedAt > 9000);
      assert.ok(mapped(await lab.upnpList(), "TCP", 7000, 7000), "mapping outlived its first lifetime");
      assert.equal(await lab.tcpFromWan(7000, "still-there"), "still-there");

      await stopAndCheckGone(p, [["TCP", 7000, 7000]]);
    },
  );

  test("UPnP-only mode maps TCP and UDP with the pmmux descriptions", TIMEOUT, async () => {
    await lab.startGateway();
    const p = pmmux(["-p", "7100:7100", "--port-map-protocol", "upnp", "--port-map-lifetime", "60"]);
    await waitLog(p, /Port mapping UDP 10\.77\.0\.1:7100 -> local port 7100 active/, 30000);
    await waitLog(p, /Port mapping TCP 10\.77\.0\.1:7100 -> local port 7100 active/, 30000);
    assert.match(p.output(), /NAT device found: UPnP gateway 10\.77\.1\.1, public address 10\.77\.0\.1/);
    assert.doesNotMatch(p.output(), /NAT-PMP/);
    const list = await lab.upnpList();
    assert.ok(list.some((l) => /TCP\s+7100->10\.77\.1\.2:7100\s+'pmmux-tcp'/.test(l)), list.join(" | "));
    assert.ok(list.some((l) => /UDP\s+7100->10\.77\.1\.2:7100\s+'pmmux-udp'/.test(l)), list.join(" | "));
    assert.equal(await lab.tcpFromWan(7100, "upnp-tcp"), "upnp-tcp");
    assert.equal(await lab.udpFromWan(7100, "upnp-udp"), "upnp-udp");
    await stopAndCheckGone(p, [["TCP", 7100, 7100], ["UDP", 7100, 7100]]);
  });

  test("NAT-PMP-only mode maps and reports the public address natpmpc sees", TIMEOUT, async () => {
    await lab.startGateway();
    const p = pmmux(["-p", "7200:7200:tcp", "--port-map-protocol", "pmp", "--port-map-lifetime", "60"]);
    await waitLog(p, /Port mapping TCP 10\.77\.0\.1:7200 -> local port 7200 active \(lifetime 60 s\)/, 30000);
    assert.match(p.output(), /NAT device found: NAT-PMP gateway 10\.77\.1\.1, public address 10\.77\.0\.1/);
    const natpmpc = await lab.run(lab.ns.lan, "natpmpc", ["-g", LAB.gatewayLan], 10000);
    assert.match(natpmpc.stdout, /Public IP address : 10\.77\.0\.1/);
    const list = await lab.upnpList();
    assert.ok(
      list.some((l) => /TCP\s+7200->10\.77\.1\.2:7200\s+'NAT-PMP 7200 tcp'/.test(l)),
      list.join(" | "),
    );
    assert.equal(await lab.tcpFromWan(7200, "pmp"), "pmp");
    await stopAndCheckGone(p, [["TCP", 7200, 7200]]);
  });

  test("?:? gets a port chosen with the device over NAT-PMP and listens on it", TIMEOUT, async () => {
    await lab.startGateway();
    const p = pmmux(["-p", "?:?:tcp", "--port-map-protocol", "pmp"]);
    const m = await waitLog(p, /Port mapping TCP 10\.77\.0\.1:(\d+) -> local port (\d+) active/, 30000);
    const [pub, local] = [Number(m[1]), Number(m[2])];
    await waitLog(p, new RegExp(`Listening on TCP 0\\.0\\.0\\.0:${local}\\b`), 10000);
    assert.equal(pub, local, "the listener uses the port the device assigned");
    console.log(`?:? on ${RUNTIME}: device assigned ${pub}`);
    assert.ok(mapped(await lab.upnpList(), "TCP", pub, local));
    assert.equal(await lab.tcpFromWan(pub, "chosen"), "chosen");
    await stopAndCheckGone(p, [["TCP", pub, local]]);
  });

  test("--port-map-required without a gateway makes pmmux exit 1", TIMEOUT, async () => {
    await lab.stopGateway();
    const p = pmmux(["-p", "7400:7400:tcp", "--port-map-required", "--bind-timeout", "8000"]);
    const timer = setTimeout(() => p.child.kill("SIGKILL"), 30000);
    const code = await p.exited;
    clearTimeout(timer);
    running.delete(p);
    assert.equal(code, 1, p.output());
    assert.match(
      p.output(),
      /pmmux: NAT port mapping failed and --port-map-required is set: .*No NAT device found/,
    );
  });

  test(
    "with the gateway stopped pmmux serves locally, warns once, and maps once it is back",
    TIMEOUT,
    async () => {
      await lab.stopGateway();
      const p = pmmux(["-p", "7300:7300:tcp", "--port-map-lifetime", "60"]);
      await waitLog(p, /Listening on TCP 0\.0\.0\.0:7300/, 30000);
      await waitLog(p, /warn pmmux\.portmap: No NAT device found: .*retrying in 5 s/, 30000);
      assert.equal(await lab.tcpFromLan(7300, "local"), "local");
      assert.equal(await lab.tcpFromWan(7300, "nothing"), "");
      const startedAt = Date.now();
      await lab.startGateway();
      await waitLog(p, /Port mapping TCP 10\.77\.0\.1:7300 -> local port 7300 active/, 60000);
      console.log(`mapped ${Date.now() - startedAt} ms after the gateway came back (${RUNTIME})`);
      assert.equal((p.output().match(/ warn pmmux\.portmap: /g) ?? []).length, 1, p.output());
      assert.equal(await lab.tcpFromWan(7300, "mapped-later"), "mapped-later");
      await stopAndCheckGone(p, [["TCP", 7300, 7300]]);
    },
  );
});
