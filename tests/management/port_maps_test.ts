import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PortMapManager } from "../../src/nat/mod.ts";
import { systemClock } from "../../src/nat/clock.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { FakeNatClient } from "../nat/fakes.ts";
import { call, withApi } from "./helpers.ts";

/** The real manager over a fake NAT device. */
function manager(): { nat: FakeNatClient; maps: PortMapManager } {
  const nat = new FakeNatClient(systemClock);
  const maps = new PortMapManager({
    bindings: [],
    client: () => nat,
    logger: createLogger({ level: "none" }),
    metrics: createMetrics(),
    retry: { initial: 60000, max: 60000 },
  });
  return { nat, maps };
}

describe("management API: port maps", () => {
  test("without NAT: no device (404), no mappings, adding answers 404", async () => {
    const f = await withApi([]);
    try {
      const device = await call(f.api, "GET", "/api/port-maps/device");
      assert.equal(device.status, 404);
      assert.match(device.body.error, /^No NAT device/);
      const list = await call(f.api, "GET", "/api/port-maps");
      assert.equal(list.status, 200);
      assert.deepEqual(list.body, []);
      const add = await call(f.api, "POST", "/api/port-maps", { networkProtocol: "Tcp", localPort: 8080 });
      assert.equal(add.status, 404);
      assert.equal(add.body.error, "NAT port mapping is not enabled");
      const del = await call(f.api, "DELETE", "/api/port-maps?networkProtocol=Tcp&localPort=8080");
      assert.equal(del.status, 404);
    } finally {
      await f.stop();
    }
  });

  test("POST maps on the device (201), GET lists it and shows the device, DELETE removes it (200)", async () => {
    const { nat, maps } = manager();
    const f = await withApi([], { portMaps: maps });
    try {
      assert.equal((await call(f.api, "GET", "/api/port-maps/device")).status, 404, "nothing discovered yet");
      const add = await call(f.api, "POST", "/api/port-maps", {
        networkProtocol: "tcp",
        localPort: 8080,
        publicPort: 80,
      });
      assert.equal(add.status, 201, JSON.stringify(add.body));
      assert.equal(add.body.networkProtocol, "Tcp");
      assert.equal(add.body.publicPort, 80);
      assert.equal(add.body.status, "Active");
      assert.ok(nat.mappings.has("tcp:80"));
      const device = await call(f.api, "GET", "/api/port-maps/device");
      assert.equal(device.status, 200);
      assert.deepEqual(device.body, { protocol: "Pmp", gateway: "10.0.0.1", publicAddress: "203.0.113.7" });
      const list = await call(f.api, "GET", "/api/port-maps");
      assert.equal(list.body.length, 1);
      assert.equal(list.body[0].localPort, 8080);
      const dup = await call(f.api, "POST", "/api/port-maps", { networkProtocol: "Tcp", localPort: 8080 });
      assert.equal(dup.status, 409);
      assert.match(dup.body.error, /exists already/);
      const del = await call(f.api, "DELETE", "/api/port-maps", { networkProtocol: "TCP", publicPort: 80 });
      assert.equal(del.status, 200);
      assert.equal(nat.mappings.size, 0);
      const again = await call(f.api, "DELETE", "/api/port-maps?networkProtocol=Tcp&publicPort=80");
      assert.equal(again.status, 404);
    } finally {
      await maps.stop();
      await f.stop();
    }
  });

  test("device failures answer 502 with the device's message", async () => {
    const { nat, maps } = manager();
    const f = await withApi([], { portMaps: maps });
    try {
      nat.failMap = () => new Error("Mapping refused by the device: ConflictInMappingEntry");
      const add = await call(f.api, "POST", "/api/port-maps", { networkProtocol: "Udp", localPort: 5000 });
      assert.equal(add.status, 502);
      assert.match(add.body.error, /ConflictInMappingEntry/);
      assert.deepEqual((await call(f.api, "GET", "/api/port-maps")).body, [], "a failed mapping is not kept");
      nat.failMap = undefined;
      assert.equal(
        (await call(f.api, "POST", "/api/port-maps", { networkProtocol: "Udp", localPort: 5000 })).status,
        201,
      );
      nat.device = undefined;
      const del = await call(f.api, "DELETE", "/api/port-maps?networkProtocol=udp&localPort=5000");
      assert.equal(del.status, 502);
      assert.match(del.body.error, /did not answer/);
    } finally {
      await maps.stop();
      await f.stop();
    }
  });

  test("bad requests answer 400", async () => {
    const { maps } = manager();
    const f = await withApi([], { portMaps: maps });
    try {
      const cases: [string, string, unknown, RegExp][] = [
        ["POST", "/api/port-maps", { networkProtocol: "icmp" }, /^Invalid networkProtocol "icmp"/],
        ["POST", "/api/port-maps", { networkProtocol: "Tcp", localPort: 0 }, /^Invalid localPort 0/],
        ["POST", "/api/port-maps", { networkProtocol: "Tcp", publicPort: "x" }, /^Invalid publicPort "x"/],
        ["POST", "/api/port-maps", { networkProtocol: "Tcp", port: 1 }, /^Unknown field "port"/],
        ["DELETE", "/api/port-maps?networkProtocol=Tcp", undefined, /^Cannot select a port mapping/],
      ];
      for (const [method, path, body, error] of cases) {
        const r = await call(f.api, method, path, body);
        assert.equal(r.status, 400, `${method} ${JSON.stringify(body)}`);
        assert.match(r.body.error, error);
      }
    } finally {
      await maps.stop();
      await f.stop();
    }
  });
});
