/**
 * Hostile clients over real sockets: for a few seconds, many clients send seeded noise, damaged protocol
 * openings and malformed HTTP to one port with a dozen detectors and both HTTP backends, and end in every way
 * (FIN, reset, drop, silence), while UDP noise arrives on the same port. Meanwhile a well-behaved client must be
 * answered every time; afterwards nothing may be left open, and no programming error may have been logged.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import nodeNet from "node:net";
import dgram from "node:dgram";
import { namedEcho, startMux, udpSocket, waitFor } from "../helpers/net.ts";
import { startUpstream } from "../helpers/http.ts";
import { V2_SIGNATURE } from "../../src/proxy/types.ts";

/** xorshift32: the same noise on every run. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const latin1 = (s: string) => Buffer.from(s, "latin1");

const OPENINGS: Buffer[] = [
  Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01]),
  latin1("GET / HTTP/1.1\r\n"),
  latin1("GET /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
  latin1("POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"),
  latin1("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
  latin1("GET /api HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
  latin1("CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n"),
  latin1("GET http://x:99999/ HTTP/1.1\r\nHost: \x00\xff\r\n\r\n"),
  latin1("GET / HTTP/1.1\r\nHost: " + "a".repeat(70000) + "\r\n\r\n"),
  latin1("GET / HTTP/9.9\r\n\r\n"),
  latin1("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
  latin1("SSH-2.0-x\r\n"),
  latin1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
  latin1("PROXY TCP6 ::1 ::1 99999 2\r\n"),
  Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])]), // PROXY v2 claiming 65535 bytes
  Buffer.concat([Buffer.from([0x13]), latin1("BitTorrent protocol")]),
  Buffer.from([0x05, 0x02, 0x00]),
  Buffer.from([0x04, 0x01]),
  Buffer.from([0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]),
  Buffer.from([0x03, 0x00, 0x00, 0x2c, 0x27, 0xe0]),
  latin1("<34>1 "),
  latin1("<stream:stream xmlns='jabber:client'"),
];

describe("hostile clients", () => {
  test("noise, damaged openings and every way of ending leave the port serving and nothing open", {
    timeout: 60_000,
  }, async () => {
    const echo = await namedEcho("echo");
    const up = await startUpstream("up");
    const to = `target.ip=127.0.0.1,target.port=${echo.port}`;
    const m = await startMux([
      `ssh:pass:detect=ssh,${to}`,
      `misc:pass:detect=postgres;mqtt;socks4;socks5;rdp;xmpp;syslog;http2;proxy;openvpn;dns,${to}`,
      `bt:bittorrent-pass:${to}`,
      `api:http-proxy:detect=http,path=/api.*,proxy.address=http://127.0.0.1:${up.port}`,
      `web:http-response:detect=http,response.body=hi {path}`,
      "e:echo",
    ], { transports: ["tcp", "udp"], level: "warning" });
    const noise = rng(0x5eed);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => noise(256)));
    let hostile = 0;
    const failures: string[] = [];
    const until = Date.now() + 3000;

    const hostileTcp = () =>
      new Promise<void>((resolve) => {
        const s = nodeNet.connect(m.port, "127.0.0.1");
        const drop = setTimeout(() => s.destroy(), 1000);
        s.on("error", () => {});
        s.on("data", () => {});
        s.on("close", () => {
          clearTimeout(drop);
          resolve();
        });
        s.on("connect", async () => {
          hostile++;
          let payload = Buffer.concat([
            OPENINGS[noise(OPENINGS.length)],
            bytes(noise(4) === 0 ? noise(8000) : noise(64)),
          ]);
          if (noise(3) === 0) payload = payload.subarray(0, noise(payload.length + 1));
          if (noise(6) === 0) {
            for (let i = 0; i < Math.min(payload.length, 20) && !s.destroyed; i++) {
              s.write(payload.subarray(i, i + 1));
              await new Promise((r) => setTimeout(r, noise(5)));
            }
          } else if (!s.destroyed) s.write(payload);
          const end = noise(4);
          if (end === 0) s.end();
          else if (end === 1) s.resetAndDestroy();
          else if (end === 2) setTimeout(() => s.destroy(), noise(200));
          // else: silence until the drop timer
        });
      });

    const hostileUdp = () =>
      new Promise<void>((resolve) => {
        const s = dgram.createSocket("udp4");
        s.on("error", () => {});
        s.bind(0, "127.0.0.1", () => {
          for (let i = noise(4) + 1; i > 0; i--) {
            s.send(bytes(noise(4) === 0 ? noise(9000) : noise(1300)), m.udpPort, "127.0.0.1");
          }
          hostile++;
          setTimeout(() => {
            s.close();
            resolve();
          }, 10);
        });
      });

    const legit = () =>
      new Promise<void>((resolve) => {
        const s = nodeNet.connect(m.port, "127.0.0.1");
        let got = "";
        const done = (why: string) => {
          clearTimeout(timer);
          if (why !== "") failures.push(why);
          s.destroy();
          resolve();
        };
        const timer = setTimeout(() => done(`timed out with ${JSON.stringify(got.slice(0, 80))}`), 5000);
        s.on("error", (e) => done(`error ${e.message}`));
        s.on("connect", () => s.write("GET /legit HTTP/1.1\r\nHost: ok\r\nConnection: close\r\n\r\n"));
        s.on("data", (d) => {
          got += d.toString("latin1");
          if (got.includes("hi /legit")) done("");
        });
      });

    try {
      const workers = Array.from({ length: 12 }, async (_, w) => {
        while (Date.now() < until) await (w % 4 === 3 ? hostileUdp() : hostileTcp());
      });
      let asked = 0;
      const legitLoop = (async () => {
        while (Date.now() < until) {
          asked++;
          await legit();
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await Promise.all([...workers, legitLoop]);
      const u = await udpSocket();
      u.send("udp still served", m.udpPort);
      assert.equal(Buffer.from(await u.next()).toString(), "udp still served");
      u.close();
      assert.ok(hostile > 200, `${hostile} hostile clients`);
      assert.deepEqual(failures, [], `${failures.length} of ${asked} well-behaved requests failed`);
      await waitFor(() => m.app.tcp.openConnections === 0, 10_000, "every connection to end");
      const bugs = m.logs.filter((l) =>
        /TypeError|ReferenceError|RangeError|is not a function|undefined/.test(l)
      );
      assert.deepEqual(bugs, []);
    } finally {
      await m.stop();
      echo.close();
      await up.close();
    }
  });
});
