import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { firstAnswering } from "../../src/nat/client.ts";
import { type NatClient, type NatDevice, NatUnreachableError } from "../../src/nat/types.ts";

function fake(name: string, outcome: NatDevice | Error, delay: number, calls: string[]): NatClient {
  return {
    discover: () =>
      new Promise((resolve, reject) =>
        setTimeout(() => outcome instanceof Error ? reject(outcome) : resolve(outcome), delay)
      ),
    map: (req) => {
      calls.push(`${name} map ${req.localPort}`);
      return Promise.resolve({ publicPort: req.localPort, localPort: req.localPort, lifetime: req.lifetime });
    },
    unmap: (req) => {
      calls.push(`${name} unmap ${req.localPort}`);
      return Promise.resolve();
    },
    close: () => {
      calls.push(`${name} close`);
      return Promise.resolve();
    },
  };
}

const pmp: NatDevice = { protocol: "Pmp", gateway: "10.0.0.1", publicAddress: "203.0.113.1" };
const upnp: NatDevice = { protocol: "Upnp", gateway: "10.0.0.1", publicAddress: "203.0.113.1" };
const request = {
  transport: "tcp" as const,
  localPort: 8000,
  publicPort: 8000,
  lifetime: 60,
  description: "",
};

describe("firstAnswering()", () => {
  test("the first protocol to answer is used for map() and unmap()", async () => {
    const calls: string[] = [];
    const nat = firstAnswering([fake("pmp", pmp, 30, calls), fake("upnp", upnp, 1, calls)]);
    assert.deepEqual(await nat.discover(), upnp);
    await nat.map(request);
    await nat.unmap(request);
    await nat.close();
    assert.deepEqual(calls, ["upnp map 8000", "upnp unmap 8000", "pmp close", "upnp close"]);
  });

  test("a protocol that fails does not stop the other from answering", async () => {
    const calls: string[] = [];
    const nat = firstAnswering([
      fake("pmp", new NatUnreachableError("NAT-PMP gateway did not answer"), 1, calls),
      fake("upnp", upnp, 10, calls),
    ]);
    assert.equal((await nat.discover()).protocol, "Upnp");
  });

  test("when none answers, the error is unreachable and lists every reason", async () => {
    const nat = firstAnswering([
      fake("pmp", new NatUnreachableError('NAT-PMP gateway "10.0.0.1" did not answer'), 1, []),
      fake("upnp", new NatUnreachableError("No UPnP gateway answered the SSDP search"), 1, []),
    ]);
    await assert.rejects(nat.discover(), (err: Error) => {
      assert.ok(err instanceof NatUnreachableError);
      assert.equal(
        err.message,
        'No NAT device found: NAT-PMP gateway "10.0.0.1" did not answer; No UPnP gateway answered the SSDP search',
      );
      return true;
    });
  });

  test("a refusal among the reasons makes a plain Error", async () => {
    const nat = firstAnswering([fake("pmp", new Error("Not Authorized/Refused"), 1, [])]);
    await assert.rejects(nat.discover(), (err: Error) => !(err instanceof NatUnreachableError));
  });

  test("map() before discovery rejects as unreachable", async () => {
    const nat = firstAnswering([fake("pmp", pmp, 1, [])]);
    await assert.rejects(
      async () => await nat.map(request),
      /Cannot map a port: no NAT device has been discovered/,
    );
  });
});
