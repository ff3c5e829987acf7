import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PortMapManager, type PortMapManagerOptions } from "../../src/nat/manager.ts";
import type { PortMapChange } from "../../src/nat/requests.ts";
import { parsePortBinding } from "../../src/config/spec_shapes.ts";
import { createLogger, memorySink } from "../../src/logging/logger.ts";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.ts";
import { FakeClock, FakeNatClient } from "./fakes.ts";

function setup(specs: string[], options: Partial<PortMapManagerOptions> = {}) {
  const clock = new FakeClock();
  const nat = new FakeNatClient(clock);
  const sink = memorySink();
  const logger = createLogger({ level: "debug", sinks: [sink], now: () => clock.now() });
  const metrics = createMetrics();
  let created = 0;
  const assigned: string[] = [];
  const manager = new PortMapManager({
    bindings: specs.map(parsePortBinding),
    client: () => {
      created++;
      return nat;
    },
    logger,
    metrics,
    clock,
    lifetime: 30,
    onLocalPortAssigned: (b, transport, port) => assigned.push(`${b.spec} ${transport} ${port}`),
    ...options,
  });
  const lines = (level: string) => sink.lines.filter((l) => l.includes(` ${level} `));
  return { clock, nat, sink, manager, metrics, assigned, created: () => created, lines };
}

function metric(metrics: Metrics, name: string, labels: Record<string, string> = {}): number | undefined {
  return metrics.snapshot().find((s) =>
    s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels)
  )
    ?.value;
}

describe("PortMapManager", () => {
  test("start() does no discovery when no binding asks for a mapping", async () => {
    const { manager, created, nat } = setup(["!:8080", "!:8081:udp"]);
    await manager.start();
    assert.equal(created(), 0);
    assert.deepEqual(nat.calls, []);
    assert.deepEqual(manager.list(), []);
    assert.equal(manager.device(), undefined);
    await manager.stop();
  });

  test("start() maps every binding whose public part is not ! with pmmux-tcp/pmmux-udp descriptions", async () => {
    const { manager, nat, metrics, clock } = setup(["7000:8000:tcp", "!:8081", "7001:8001"]);
    await manager.start();
    assert.deepEqual(nat.texts("map"), [
      "map tcp 7000->8000 30 pmmux-tcp",
      "map tcp 7001->8001 30 pmmux-tcp",
      "map udp 7001->8001 30 pmmux-udp",
    ]);
    assert.deepEqual(manager.device(), {
      protocol: "Pmp",
      gateway: "10.0.0.1",
      publicAddress: "203.0.113.7",
    });
    const list = manager.list();
    assert.equal(list.length, 3);
    assert.deepEqual(list[0], {
      networkProtocol: "Tcp",
      localPort: 8000,
      publicPort: 7000,
      lifetime: 30,
      expiresAt: new Date(clock.now() + 30000).toISOString(),
      status: "Active",
    });
    assert.deepEqual(list.map((m) => m.networkProtocol), ["Tcp", "Tcp", "Udp"]);
    assert.equal(metric(metrics, "portmap.mapping.total", { result: "success" }), 3);
    assert.equal(metric(metrics, "portmap.mappings.active"), 3);
    assert.equal(metric(metrics, "portmap.discovery.total", { result: "success" }), 1);
    await manager.stop();
  });

  test("stop() deletes every mapping on the device and closes the client", async () => {
    const { manager, nat, metrics } = setup(["7000:8000:tcp", "7001:8001"]);
    await manager.start();
    assert.equal(nat.mappings.size, 3);
    await manager.stop();
    assert.equal(nat.mappings.size, 0);
    assert.deepEqual(nat.texts("unmap"), [
      "unmap tcp 7000->8000",
      "unmap tcp 7001->8001",
      "unmap udp 7001->8001",
    ]);
    assert.equal(nat.closed, true);
    assert.equal(metric(metrics, "portmap.mappings.active"), 0);
    await manager.stop();
    assert.equal(nat.texts("unmap").length, 3, "stop() is idempotent");
  });

  test("without a device it warns once, keeps going, and retries discovery with exponential backoff", async () => {
    const { manager, nat, clock, lines, metrics } = setup(["7000:8000:tcp", "7001:8001:udp"]);
    nat.device = undefined;
    await manager.start();
    assert.deepEqual(manager.list().map((m) => m.status), ["Failed", "Failed"]);
    assert.match(manager.list()[0].error!, /No NAT device found/);
    await clock.advance(80000);
    assert.deepEqual(nat.times("discover", clock.start), [0, 5000, 15000, 35000, 75000]);
    assert.equal(lines("warn").length, 1);
    assert.match(
      lines("warn")[0],
      /No NAT device found: nothing answered; serving the local listeners, retrying in 5 s/,
    );
    assert.equal(metric(metrics, "portmap.discovery.total", { result: "failure" }), 5);
    nat.device = { protocol: "Upnp", gateway: "10.0.0.1", publicAddress: "203.0.113.8" };
    await clock.advance(80000);
    assert.deepEqual(nat.times("discover", clock.start).at(-1), 155000);
    assert.deepEqual(manager.list().map((m) => m.status), ["Active", "Active"]);
    assert.equal(manager.device()?.protocol, "Upnp");
    assert.ok(lines("info").some((l) => /NAT device found: UPnP gateway 10.0.0.1/.test(l)));
    await manager.stop();
  });

  test("the backoff stops growing at its maximum", async () => {
    const { manager, nat, clock } = setup(["7000:8000:tcp"], { retry: { initial: 5000, max: 20000 } });
    nat.device = undefined;
    await manager.start();
    await clock.advance(100000);
    assert.deepEqual(nat.times("discover", clock.start), [0, 5000, 15000, 35000, 55000, 75000, 95000]);
    await manager.stop();
  });

  test("a failing mapping warns once, retries with backoff and leaves the others alone", async () => {
    const { manager, nat, clock, lines } = setup(["7000:8000:tcp", "7001:8001:tcp"]);
    nat.failMap = (req) => req.publicPort === 7000 ? new Error("Not Authorized/Refused") : undefined;
    await manager.start();
    assert.deepEqual(manager.list().map((m) => m.status), ["Failed", "Active"]);
    assert.equal(manager.list()[0].error, "Not Authorized/Refused");
    await clock.advance(16000);
    assert.deepEqual(nat.times("map tcp 7000", clock.start), [0, 5000, 15000]);
    const warnings = lines("warn");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Cannot map TCP public port 7000 to local port 8000: Not Authorized\/Refused/);
    nat.failMap = undefined;
    await clock.advance(20000);
    assert.equal(manager.list()[0].status, "Active");
    assert.equal(nat.times("discover", clock.start).length, 1, "a refusal does not rediscover");
    await manager.stop();
  });

  test("mappings are renewed renewal-lead seconds before expiry", async () => {
    const { manager, nat, clock } = setup(["7000:8000:tcp"], { lifetime: 30, renewalLead: 10 });
    await manager.start();
    await clock.advance(61000);
    assert.deepEqual(nat.times("map", clock.start), [0, 20000, 40000, 60000]);
    await manager.stop();
  });

  test("renewals are never closer than 5 s, even with a lifetime shorter than the lead", async () => {
    const { manager, nat, clock } = setup(["7000:8000:tcp"], { lifetime: 8, renewalLead: 10 });
    await manager.start();
    await clock.advance(21000);
    assert.deepEqual(nat.times("map", clock.start), [0, 5000, 10000, 15000, 20000]);
    await manager.stop();
  });

  test("renewal follows the lifetime the device granted, not the one asked for", async () => {
    const { manager, nat, clock, metrics } = setup(["7000:8000:tcp"], { lifetime: 7200 });
    nat.grant = () => 60;
    await manager.start();
    assert.equal(manager.list()[0].lifetime, 60);
    await clock.advance(101000);
    assert.deepEqual(nat.times("map", clock.start), [0, 50000, 100000]);
    assert.equal(metric(metrics, "portmap.renewal.total", { result: "success" }), 2);
    await manager.stop();
  });

  test("a permanent mapping (lifetime 0) is not renewed", async () => {
    const { manager, nat, clock } = setup(["7000:8000:tcp"]);
    nat.grant = () => 0;
    await manager.start();
    await clock.advance(3600000);
    assert.equal(nat.texts("map").length, 1);
    assert.equal(manager.list()[0].expiresAt, null);
    await manager.stop();
  });

  test("a failed renewal stays Active until expiry, then the mapping is Failed", async () => {
    const { manager, nat, clock, metrics } = setup(["7000:8000:tcp"], { lifetime: 30, renewalLead: 10 });
    await manager.start();
    nat.failMap = () => new Error("Out of Resources");
    await clock.advance(20000);
    assert.equal(manager.list()[0].status, "Active");
    assert.equal(manager.list()[0].error, "Out of Resources");
    assert.equal(metric(metrics, "portmap.renewal.total", { result: "failure" }), 1);
    await clock.advance(15000);
    assert.deepEqual(nat.times("map", clock.start), [0, 20000, 25000, 35000]);
    assert.equal(manager.list()[0].status, "Failed");
    assert.equal(manager.list()[0].expiresAt, null);
    nat.failMap = undefined;
    await clock.advance(20000);
    assert.equal(manager.list()[0].status, "Active");
    await manager.stop();
  });

  test("a device that stops answering is discovered again and gets every mapping back", async () => {
    const { manager, nat, clock, lines } = setup(["7000:8000:tcp", "7001:8001:tcp"], { lifetime: 30 });
    await manager.start();
    nat.device = undefined;
    await clock.advance(20000);
    assert.equal(manager.device(), undefined);
    assert.match(lines("warn").join("\n"), /NAT device 10.0.0.1 stopped answering/);
    assert.equal(lines("warn").length, 1);
    nat.device = { protocol: "Pmp", gateway: "10.0.0.1", publicAddress: "203.0.113.7" };
    nat.mappings.clear(); // it restarted and forgot them
    await clock.advance(6000);
    assert.equal(nat.times("discover", clock.start).length, 2);
    assert.deepEqual([...nat.mappings.keys()].sort(), ["tcp:7000", "tcp:7001"]);
    assert.deepEqual(manager.list().map((m) => m.status), ["Active", "Active"]);
    await manager.stop();
  });

  test("a ? public port lets the device choose", async () => {
    const { manager, nat } = setup(["?:8000:tcp"]);
    await manager.start();
    assert.deepEqual(nat.texts("map"), ["map tcp 0->8000 30 pmmux-tcp"]);
    assert.equal(manager.list()[0].publicPort, 40000);
    assert.equal(manager.list()[0].localPort, 8000);
    await manager.stop();
    assert.deepEqual(nat.texts("unmap"), ["unmap tcp 40000->8000"]);
  });

  test("a renewal asks for the public port the device chose before", async () => {
    const { manager, nat, clock } = setup(["?:8000:tcp"], { lifetime: 30 });
    await manager.start();
    await clock.advance(20000);
    assert.deepEqual(nat.texts("map"), ["map tcp 0->8000 30 pmmux-tcp", "map tcp 40000->8000 30 pmmux-tcp"]);
    await manager.stop();
  });

  test("?:? uses the port the device assigns as local port, the same for TCP and UDP", async () => {
    const { manager, nat, assigned } = setup(["?:?"], { random: () => 0.5 });
    nat.choosePort = (req) => req.localPort; // like miniupnpd: the suggested port when it is free
    await manager.start();
    const candidate = 49152 + Math.floor(0.5 * (65535 - 49152 + 1));
    assert.deepEqual(nat.texts("map"), [
      `map tcp 0->${candidate} 30 pmmux-tcp`,
      `map udp 0->${candidate} 30 pmmux-udp`,
    ]);
    assert.deepEqual(assigned, [`?:? tcp ${candidate}`, `?:? udp ${candidate}`]);
    assert.deepEqual(manager.list().map((m) => [m.localPort, m.publicPort]), [[candidate, candidate], [
      candidate,
      candidate,
    ]]);
    await manager.stop();
  });

  test("?:? moves the local port to the public port the device assigned when they differ", async () => {
    const { manager, nat, assigned } = setup(["?:?:udp"], { random: () => 0 });
    nat.choosePort = () => 50000;
    await manager.start();
    assert.deepEqual(nat.texts(), [
      "discover",
      "map udp 0->49152 30 pmmux-udp",
      "unmap udp 50000->49152",
      "map udp 50000->50000 30 pmmux-udp",
    ]);
    assert.deepEqual(assigned, ["?:?:udp udp 50000"]);
    assert.deepEqual([...nat.mappings.keys()], ["udp:50000"]);
    assert.equal(manager.list()[0].localPort, 50000);
    await manager.stop();
  });

  test("a ? local port with a public port listens on that public port", async () => {
    const { manager, nat, assigned } = setup(["7400:?:tcp"]);
    await manager.start();
    assert.deepEqual(nat.texts("map"), ["map tcp 7400->7400 30 pmmux-tcp"]);
    assert.deepEqual(assigned, ["7400:?:tcp tcp 7400"]);
    await manager.stop();
  });

  test("a ? local port stays unassigned (localPort null) while there is no device", async () => {
    const { manager, nat, clock, assigned } = setup(["?:?:tcp"], { random: () => 0 });
    nat.device = undefined;
    await manager.start();
    assert.deepEqual(assigned, []);
    assert.equal(manager.list()[0].localPort, null);
    nat.device = { protocol: "Pmp", gateway: "10.0.0.1", publicAddress: "203.0.113.7" };
    nat.choosePort = (req) => req.localPort;
    await clock.advance(5000);
    assert.deepEqual(assigned, ["?:?:tcp tcp 49152"]);
    await manager.stop();
  });

  test("start() returns after bind-timeout when discovery hangs, and mapping goes on in the background", async () => {
    const { manager, nat, clock, lines } = setup(["7000:8000:tcp"], { bindTimeout: 3000 });
    nat.hang = true;
    let done = false;
    const started = manager.start().then(() => done = true);
    await clock.advance(2999);
    assert.equal(done, false);
    await clock.advance(1);
    await started;
    assert.match(lines("warn").join("\n"), /did not finish within 3000 ms \(--bind-timeout\)/);
    await manager.stop();
  });

  test("with required, no device makes start() fail with a clear message", async () => {
    const { manager, nat } = setup(["7000:8000:tcp"], { required: true });
    nat.device = undefined;
    await assert.rejects(
      manager.start(),
      /NAT port mapping failed and --port-map-required is set: TCP public port 7000 to local port 8000: No NAT device found/,
    );
  });

  test("with required, a failed mapping fails start() and deletes the mappings already made", async () => {
    const { manager, nat } = setup(["7000:8000:tcp", "7001:8001:tcp"], { required: true });
    nat.failMap = (req) => req.publicPort === 7001 ? new Error("Not Authorized/Refused") : undefined;
    await assert.rejects(manager.start(), /--port-map-required is set: .*7001.*Not Authorized\/Refused/);
    assert.equal(nat.mappings.size, 0);
    assert.deepEqual(nat.texts("unmap"), ["unmap tcp 7000->8000"]);
  });

  test("with required, a hanging discovery fails start() at bind-timeout", async () => {
    const { manager, nat, clock } = setup(["7000:8000:tcp"], { required: true, bindTimeout: 3000 });
    nat.hang = true;
    const started = assert.rejects(manager.start(), /did not finish within 3000 ms \(--bind-timeout\)/);
    await clock.advance(3000);
    await started;
  });

  test("add() maps at run time, discovering first when nothing was mapped at start", async () => {
    const { manager, nat, created } = setup(["!:8080"]);
    await manager.start();
    assert.equal(created(), 0);
    const changes: PortMapChange[] = [];
    manager.onChange((c) => changes.push(c));
    const status = await manager.add({ networkProtocol: "Tcp", localPort: 9000 });
    assert.equal(status.status, "Active");
    assert.equal(status.publicPort, 9000);
    assert.deepEqual(nat.texts(), ["discover", "map tcp 9000->9000 30 pmmux-tcp"]);
    assert.deepEqual(changes.map((c) => c.type), ["mapping", "device", "mapping"]);
    await assert.rejects(manager.add({ networkProtocol: "tcp", localPort: 9000 }), RangeError);
    await assert.rejects(manager.add({ networkProtocol: "Sctp" as "Tcp", localPort: 9001 }), /"Sctp"/);
    await assert.rejects(manager.add({ networkProtocol: "Udp", localPort: 70000 }), /"70000"/);
    const chosen = await manager.add({ networkProtocol: "UDP" as "Udp" });
    assert.equal(typeof chosen.localPort, "number");
    await manager.stop();
  });

  test("add() rejects with the device's error and does not keep the mapping", async () => {
    const { manager, nat } = setup([]);
    nat.failMap = () => new Error("Not Authorized/Refused");
    await assert.rejects(
      manager.add({ networkProtocol: "Udp", localPort: 9000, publicPort: 9100 }),
      /Cannot map UDP public port 9100 to local port 9000: Not Authorized\/Refused/,
    );
    assert.deepEqual(manager.list(), []);
    await manager.stop();
  });

  test("remove() deletes the mapping on the device; an unknown one gives undefined", async () => {
    const { manager, nat } = setup(["7000:8000"]);
    await manager.start();
    const removed = await manager.remove({ networkProtocol: "Udp", publicPort: 7000 });
    assert.equal(removed?.networkProtocol, "Udp");
    assert.deepEqual(nat.texts("unmap"), ["unmap udp 7000->8000"]);
    assert.deepEqual(manager.list().map((m) => m.networkProtocol), ["Tcp"]);
    assert.equal(await manager.remove({ networkProtocol: "Udp", publicPort: 7000 }), undefined);
    await assert.rejects(manager.remove({ networkProtocol: "Tcp" }), RangeError);
    await manager.stop();
    assert.deepEqual(nat.texts("unmap"), ["unmap udp 7000->8000", "unmap tcp 7000->8000"]);
  });

  test("stop() during a hanging discovery returns and leaves no timer behind", async () => {
    const { manager, nat, clock } = setup(["7000:8000:tcp"], { bindTimeout: 1000 });
    nat.hang = true;
    const started = manager.start();
    await clock.advance(1000);
    await started;
    await manager.stop();
    assert.equal(clock.pending, 0);
  });
});
