/**
 * `bittorrent-pass` end to end over real loopback sockets, on whichever runtime runs the test: BitTorrent
 * traffic (TCP handshakes, uTP, UDP tracker, DHT) goes to it; everything else falls to the next backend.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../detect/helpers.ts";
import {
  connect,
  dec,
  enc,
  exchange,
  namedEcho,
  net,
  readAll,
  readUntil,
  startMux,
  type TestServer,
  type TestUdp,
  udpSocket,
} from "../helpers/net.ts";
import type { UdpSocket } from "../../src/net/types.ts";

describe("bittorrent-pass end to end", () => {
  let bt: TestServer;
  let rest: TestServer;
  before(async () => {
    bt = await namedEcho("bt");
    rest = await namedEcho("rest");
  });
  after(() => {
    bt.close();
    rest.close();
  });

  test("TCP: a peer handshake goes to bittorrent-pass, other protocols to the next backend", async () => {
    const m = await startMux([
      `torrent:bittorrent-pass:target.ip=127.0.0.1,target.port=${bt.port}`,
      `other:pass:target.ip=127.0.0.1,target.port=${rest.port}`,
    ]);
    try {
      const hs = fixture("bittorrent_handshake_aria2.bin");
      const c = await connect(m.port);
      await c.write(hs);
      await c.closeWrite();
      const got = await readAll(c);
      c.close();
      assert.equal(dec.decode(got.subarray(0, 3)), "bt\n");
      assert.deepEqual(got.subarray(3), hs, "the whole handshake is replayed upstream");
      assert.equal(
        await exchange(m.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        "rest\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      const mse = await exchange(m.port, fixture("bittorrent_mse_handshake_aria2.bin"));
      assert.ok(mse.startsWith("rest\n"), "an encrypted (MSE) handshake is not claimed");
      assert.ok((await exchange(m.port, fixture("tls_client_hello_sni.bin"))).startsWith("rest\n"));
    } finally {
      await m.stop();
    }
  });

  test("TCP: the handshake is decided after 20 bytes, even when they arrive in pieces", async () => {
    const m = await startMux([
      `torrent:bittorrent-pass:target.ip=127.0.0.1,target.port=${bt.port}`,
      `other:pass:target.ip=127.0.0.1,target.port=${rest.port}`,
    ]);
    try {
      const hs = fixture("bittorrent_handshake_aria2.bin");
      const c = await connect(m.port);
      for (const part of [hs.subarray(0, 1), hs.subarray(1, 9), hs.subarray(9, 20)]) {
        await c.write(part);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Only 20 bytes sent: the backend is chosen without the rest of the 68-byte handshake.
      assert.equal(await readUntil(c, "BitTorrent protocol"), "bt\n\x13BitTorrent protocol");
      await c.closeWrite();
      assert.equal((await readAll(c)).length, 0);
      c.close();
    } finally {
      await m.stop();
    }
  });

  describe("UDP", () => {
    let upBt: TestUdp;
    let upRest: TestUdp;
    before(async () => {
      upBt = await udpSocket({ echoName: "bt" });
      upRest = await udpSocket({ echoName: "rest" });
    });
    after(() => {
      upBt.close();
      upRest.close();
    });

    const cases: [string, Uint8Array, string][] = [
      ["a uTP SYN", fixture("bittorrent_utp_syn.bin"), "bt"],
      ["a uTP SYN with an extension", fixture("bittorrent_utp_syn_extension_bits.bin"), "bt"],
      ["a UDP tracker connect request (aria2)", fixture("bittorrent_udp_tracker_connect_aria2.bin"), "bt"],
      ["a DHT ping (aria2)", fixture("bittorrent_dht_ping_aria2.bin"), "bt"],
      ["a WireGuard initiation", fixture("wireguard_initiation.bin"), "rest"],
      ["a QUIC Initial", fixture("quic_initial_deno.bin"), "rest"],
      ["a STUN binding request", fixture("stun_binding_turnutils.bin"), "rest"],
      ["plain text", enc.encode("hello there, not a torrent"), "rest"],
    ];
    for (const [name, bytes, want] of cases) {
      test(`UDP: ${name} goes to ${want === "bt" ? "bittorrent-pass" : "the next backend"}`, async () => {
        const m = await startMux([
          `torrent:bittorrent-pass:target.ip=127.0.0.1,target.port=${upBt.port}`,
          `other:pass:target.ip=127.0.0.1,target.port=${upRest.port}`,
        ], { transports: ["udp"] });
        const c = await udpSocket();
        try {
          c.send(bytes, m.udpPort);
          const got = await c.next();
          assert.equal(dec.decode(got.subarray(0, want.length + 1)), `${want}:`);
          assert.deepEqual(got.subarray(want.length + 1), bytes);
        } finally {
          c.close();
          await m.stop();
        }
      });
    }

    test("UDP: tracker requests follow their connect on the session, and on a new session with a fresh connection id", async () => {
      const n = await net();
      const received: string[] = [];
      const id = Uint8Array.of(0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88);
      // A minimal BEP 15 tracker: answers a connect with a connection id, an announce with an empty peer list.
      let tracker: UdpSocket | undefined = undefined;
      tracker = await n.bindUdp({
        hostname: "127.0.0.1",
        port: 0,
        onMessage(data, from) {
          const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
          const action = view.getUint32(8);
          received.push(action === 0 && data.length === 16 ? "connect" : `action ${action}`);
          const out = new Uint8Array(action === 0 ? 16 : 20);
          const o = new DataView(out.buffer);
          o.setUint32(0, action === 0 ? 0 : 1);
          o.setUint32(4, view.getUint32(12));
          if (action === 0) out.set(id, 8);
          tracker!.send(out, from);
        },
      });
      const m = await startMux([
        `torrent:bittorrent-pass:target.ip=127.0.0.1,target.port=${tracker.addr.port}`,
        `other:pass:target.ip=127.0.0.1,target.port=${upRest.port}`,
      ], { transports: ["udp"] });
      const announce = (connId: Uint8Array) => {
        const a = new Uint8Array(98);
        a.set(connId);
        new DataView(a.buffer).setUint32(8, 1);
        new DataView(a.buffer).setUint32(12, 0xabcdef);
        return a;
      };
      const first = await udpSocket();
      const second = await udpSocket();
      const stranger = await udpSocket();
      try {
        first.send(fixture("bittorrent_udp_tracker_connect_aria2.bin"), m.udpPort);
        const reply = await first.next();
        assert.deepEqual(reply.subarray(8, 16), id);
        first.send(announce(id), m.udpPort);
        assert.equal(
          new DataView((await first.next()).buffer).getUint32(0),
          1,
          "announce answered on the session",
        );
        // A new session (new client port, same address) announcing with the id the tracker issued.
        second.send(announce(id), m.udpPort);
        assert.equal((await second.next()).length, 20);
        assert.deepEqual(received, ["connect", "action 1", "action 1"]);
        // An announce with an id the tracker never issued is not BitTorrent as far as routing can tell.
        const bogus = announce(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9));
        stranger.send(bogus, m.udpPort);
        assert.equal(dec.decode((await stranger.next()).subarray(0, 5)), "rest:");
      } finally {
        first.close();
        second.close();
        stranger.close();
        tracker.close();
        await m.stop();
      }
    });
  });
});
