import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { createPmpClient } from "../../src/nat/pmp.ts";
import { NatUnreachableError } from "../../src/nat/types.ts";

/** A NAT-PMP gateway on 127.0.0.1:5351 that answers, refuses (result code 2) or stays silent. */
class FakePmpGateway {
  mode: "answer" | "refuse" | "silent" = "answer";
  requests: number[][] = [];
  #socket: Socket = createSocket("udp4");

  start(): Promise<void> {
    this.#socket.on("message", (msg, rinfo) => {
      const op = msg[1];
      this.requests.push([...msg]);
      if (this.mode === "silent") return;
      const result = this.mode === "refuse" ? 2 : 0;
      let reply: Buffer;
      if (op === 0) {
        reply = Buffer.from([0, 128, 0, result, 0, 0, 0, 42, 203, 0, 113, 9]);
      } else {
        reply = Buffer.alloc(16);
        reply.writeUInt8(128 + op, 1);
        reply.writeUInt16BE(result, 2);
        reply.writeUInt32BE(42, 4);
        const internal = msg.readUInt16BE(4);
        const external = msg.readUInt16BE(6);
        const lifetime = msg.readUInt32BE(8);
        reply.writeUInt16BE(internal, 8);
        // Like a real gateway: 0 = no preference, answered with a port of its choice.
        reply.writeUInt16BE(lifetime === 0 ? 0 : external === 0 ? 40123 : external, 10);
        reply.writeUInt32BE(Math.min(lifetime, 60), 12);
      }
      this.#socket.send(reply, rinfo.port, rinfo.address);
    });
    return new Promise((resolve) => this.#socket.bind(5351, "127.0.0.1", resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

describe("createPmpClient() against a NAT-PMP gateway on loopback", () => {
  const gateway = new FakePmpGateway();
  const client = createPmpClient({ gateway: "127.0.0.1", timeout: 300 });
  before(() => gateway.start());
  after(async () => {
    await client.close();
    await gateway.close();
  });

  test("discover() asks for the external address", async () => {
    gateway.mode = "answer";
    assert.deepEqual(await client.discover(), {
      protocol: "Pmp",
      gateway: "127.0.0.1",
      publicAddress: "203.0.113.9",
    });
    assert.deepEqual(gateway.requests.at(-1), [0, 0]);
  });

  test("map() sends the ports and lifetime and returns what the gateway granted", async () => {
    gateway.mode = "answer";
    const granted = await client.map({
      transport: "tcp",
      localPort: 8000,
      publicPort: 0,
      lifetime: 7200,
      description: "pmmux-tcp",
    });
    assert.deepEqual(granted, { publicPort: 40123, localPort: 8000, lifetime: 60 });
    // version 0, opcode 2 (TCP), reserved, internal 8000, external 0, lifetime 7200
    assert.deepEqual(gateway.requests.at(-1), [0, 2, 0, 0, 0x1f, 0x40, 0, 0, 0, 0, 0x1c, 0x20]);
    const udp = await client.map({
      transport: "udp",
      localPort: 8001,
      publicPort: 7001,
      lifetime: 30,
      description: "",
    });
    assert.deepEqual(udp, { publicPort: 7001, localPort: 8001, lifetime: 30 });
    assert.equal(gateway.requests.at(-1)![1], 1);
  });

  test("unmap() sends lifetime 0 and external port 0 for the local port", async () => {
    gateway.mode = "answer";
    await client.unmap({ transport: "udp", localPort: 8001, publicPort: 7001 });
    assert.deepEqual(gateway.requests.at(-1), [0, 1, 0, 0, 0x1f, 0x41, 0, 0, 0, 0, 0, 0]);
  });

  test("a refusal rejects with the gateway's reason", async () => {
    gateway.mode = "refuse";
    await assert.rejects(
      client.map({ transport: "tcp", localPort: 8000, publicPort: 7000, lifetime: 60, description: "" }),
      (err: Error) => {
        assert.ok(!(err instanceof NatUnreachableError));
        assert.match(
          err.message,
          /^NAT-PMP gateway "127.0.0.1" refused to map TCP public port 7000 to local port 8000: Not Authorized/,
        );
        return true;
      },
    );
  });

  test("silence rejects as unreachable within the timeout, and the next request works again", async () => {
    gateway.mode = "silent";
    const started = Date.now();
    await assert.rejects(
      client.discover(),
      (err: Error) =>
        err instanceof NatUnreachableError &&
        /^NAT-PMP gateway "127.0.0.1" did not answer the external address request within 300 ms/.test(
          err.message,
        ),
    );
    assert.ok(Date.now() - started < 2000);
    gateway.mode = "answer";
    assert.equal((await client.discover()).publicAddress, "203.0.113.9");
  });
});
