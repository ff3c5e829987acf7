/**
 * The UDP part of the socket adapter conformance suite.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { NetAdapter, NetAddr, UdpSocket } from "../../src/net/types.ts";
import { assertAddr, assertSameBytes, type MakeAdapter, sleep, within } from "./helpers.ts";

/** A socket whose datagrams are awaited one by one. */
interface Inbox {
  socket: UdpSocket;
  next(ms: number): Promise<[Uint8Array, NetAddr]>;
}

async function bindInbox(net: NetAdapter, hostname: string): Promise<Inbox> {
  const queue: [Uint8Array, NetAddr][] = [];
  let wake: (() => void) | null = null;
  const socket = await net.bindUdp({
    hostname,
    port: 0,
    onMessage(data, from) {
      queue.push([data, from]);
      wake?.();
    },
  });
  return {
    socket,
    async next(ms) {
      const deadline = performance.now() + ms;
      while (queue.length === 0) {
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`No datagram within ${ms} ms`);
        await within(new Promise<void>((resolve) => wake = resolve), left, "datagram").catch(() => {});
        wake = null;
      }
      return queue.shift()!;
    },
  };
}

/** Registers the UDP tests (called by `adapterConformance`). */
export function udpConformance(makeAdapter: MakeAdapter): void {
  for (const [family, host] of [["IPv4", "127.0.0.1"], ["IPv6", "::1"]] as const) {
    test(`UDP over ${family} carries 1, 1400, 8192 and 65507 byte datagrams unchanged with their sender`, {
      timeout: 20_000,
    }, async () => {
      const net = await makeAdapter();
      const server = await bindInbox(net, host);
      const client = await bindInbox(net, host);
      const ip = host;
      const fam = family === "IPv4" ? "ipv4" : "ipv6";
      try {
        assertAddr(server.socket.addr, ip, fam);
        // All four are sent before any is read, so a receive buffer reused between datagrams would show.
        // Sizes differ, so sorting by length undoes any reordering.
        const byLength = (a: Uint8Array, b: Uint8Array) => a.length - b.length;
        const sizes = [1, 1400, 8192, 65507];
        const sent = sizes.map((size) => crypto.getRandomValues(new Uint8Array(size)));
        for (const data of sent) assert.equal(client.socket.send(data, server.socket.addr), true);
        const got: Uint8Array[] = [];
        for (let i = 0; i < sent.length; i++) {
          const [datagram, from] = await server.next(2000);
          assertAddr(from, ip, fam);
          assert.equal(from.port, client.socket.addr.port);
          got.push(datagram);
        }
        assertSameBytes(got.sort(byLength), sent, "received");
        for (const datagram of got) assert.equal(server.socket.send(datagram, client.socket.addr), true);
        const back: Uint8Array[] = [];
        for (let i = 0; i < sent.length; i++) {
          const [datagram, from] = await client.next(2000);
          assert.deepEqual(from, server.socket.addr);
          back.push(datagram);
        }
        assertSameBytes(back.sort(byLength), sent, "echoed");
      } finally {
        server.socket.close();
        client.socket.close();
      }
    });
  }

  test(
    "a UDP socket bound to :: hears an IPv4 client as IPv4 and its reply reaches it",
    { timeout: 10_000 },
    async () => {
      const net = await makeAdapter();
      const server = await bindInbox(net, "::");
      const client = await bindInbox(net, "127.0.0.1");
      try {
        const to = { ip: "127.0.0.1", port: server.socket.addr.port, family: "ipv4" } as const;
        assert.equal(client.socket.send(new Uint8Array([42]), to), true);
        const [data, from] = await server.next(2000);
        assertAddr(from, "127.0.0.1", "ipv4");
        assert.equal(from.port, client.socket.addr.port);
        assert.equal(server.socket.send(data, from), true);
        const [back, replyFrom] = await client.next(2000);
        assert.equal(back[0], 42);
        assert.equal(replyFrom.port, server.socket.addr.port);
      } finally {
        server.socket.close();
        client.socket.close();
      }
    },
  );

  test("a closed UDP socket refuses sends and delivers nothing more", { timeout: 10_000 }, async () => {
    const net = await makeAdapter();
    const server = await bindInbox(net, "127.0.0.1");
    const client = await bindInbox(net, "127.0.0.1");
    try {
      assert.equal(client.socket.send(new Uint8Array([1]), server.socket.addr), true);
      await server.next(2000);
      server.socket.close();
      server.socket.close();
      assert.equal(server.socket.send(new Uint8Array([2]), client.socket.addr), false);
      client.socket.send(new Uint8Array([3]), server.socket.addr);
      await sleep(100);
      await assert.rejects(server.next(50));
      assert.equal(
        client.socket.send(new Uint8Array(70_000), server.socket.addr),
        false,
        "oversized datagram",
      );
    } finally {
      client.socket.close();
    }
  });

  test("binding a busy UDP port names the address and the reason", { timeout: 10_000 }, async () => {
    const net = await makeAdapter();
    const first = await bindInbox(net, "127.0.0.1");
    try {
      const port = first.socket.addr.port;
      const error = await net.bindUdp({ hostname: "127.0.0.1", port, onMessage() {} }).then(
        () => null,
        (e) => e,
      );
      assert.ok(error instanceof Error);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}.*address already in use`));
    } finally {
      first.socket.close();
    }
  });
}
