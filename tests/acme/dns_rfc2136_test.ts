/**
 * The rfc2136 provider against a DNS server stand-in on loopback TCP that checks each update's TSIG and answers
 * as a primary would (signed, NOTAUTH outside its zone). Real BIND is in tests/system/acme_test.ts.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createRfc2136Provider, parseDnsServer, rfc2136Provider } from "../../src/acme/dns/rfc2136.ts";
import { parseTsigKey, signMessage, type TsigKey } from "../../src/acme/dns/tsig.ts";
import {
  CLASS,
  readHeader,
  readName,
  readRecord,
  skipQuestions,
  TYPE,
  Writer,
} from "../../src/acme/dns/wire.ts";
import { createLogger } from "../../src/logging/logger.ts";
import type { Conn } from "../../src/net/types.ts";
import { net, serve, type TestServer } from "../helpers/net.ts";

const SECRET = "c2VjcmV0LWtleS1mb3ItcG1tdXgtdHNpZy10ZXN0cyE=";
const KEY = parseTsigKey("acme-key", "hmac-sha256", SECRET);

/** One update as the server saw it. */
interface Seen {
  zone: string;
  name: string;
  class: number;
  ttl: number;
  value: string;
}

/** How the stand-in answers: a response code, or "badsig", "unsigned", "silent". */
type Mode = number | "badsig" | "unsigned" | "silent";

async function readFramed(conn: Conn): Promise<Uint8Array | null> {
  let got = new Uint8Array(0);
  for (;;) {
    if (got.length >= 2 && got.length >= 2 + ((got[0] << 8) | got[1])) {
      return got.slice(2, 2 + ((got[0] << 8) | got[1]));
    }
    const c = await conn.read();
    if (c === null) return null;
    const next = new Uint8Array(got.length + c.length);
    next.set(got);
    next.set(c, got.length);
    got = next;
  }
}

/** A primary for `zone` that accepts updates signed with `key`. */
async function standIn(zone: string, key: TsigKey, mode: (seen: Seen) => Mode = () => 0) {
  const seen: Seen[] = [];
  const server: TestServer = await serve(async (conn) => {
    const msg = await readFramed(conn);
    if (!msg) return;
    const h = readHeader(msg);
    assert.equal(h.opcode, 5);
    assert.deepEqual(h.counts, [1, 0, 1, 1]);
    const zoneName = readName(msg, 12).name;
    const update = readRecord(msg, skipQuestions(msg, 1));
    const tsig = readRecord(msg, update.end);
    assert.equal(tsig.type, TYPE.TSIG);
    assert.equal(update.type, TYPE.TXT);
    // Check the request's MAC by signing its unsigned part again with the time it states.
    const unsigned = msg.slice(0, tsig.start);
    unsigned[11] -= 1;
    const alg = readName(msg, tsig.rdataAt);
    const d = msg.subarray(alg.end);
    const time = ((d[0] << 8) | d[1]) * 2 ** 32 + ((d[2] << 24) >>> 0) + (d[3] << 16) + (d[4] << 8) + d[5];
    const macLen = (d[8] << 8) | d[9];
    const mac = d.slice(10, 10 + macLen);
    const expected = signMessage(unsigned, key, time * 1000).mac;
    const s: Seen = {
      zone: zoneName,
      name: update.name,
      class: update.class,
      ttl: update.ttl,
      value: new TextDecoder().decode(update.rdata.subarray(1)),
    };
    seen.push(s);
    const m = Buffer.from(mac).equals(Buffer.from(expected)) ? mode(s) : "badsig";
    if (m === "silent") {
      await new Promise((r) => setTimeout(r, 1500));
      return;
    }
    const rcode = m === "badsig" ? 9 : m === "unsigned" ? 0 : zoneName === zone ? m : 9;
    const w = new Writer().u16(h.id).u16(0xa800 | rcode).u16(1).u16(0).u16(0).u16(0);
    w.bytes(msg.subarray(12, skipQuestions(msg, 1)));
    let answer = w.finish();
    if (m === "badsig") {
      // Unsigned TSIG carrying the error, as BIND sends it.
      const t = new Writer().bytes(msg.subarray(tsig.start, tsig.rdataAt - 2));
      const rdata = new Writer().bytes(msg.subarray(tsig.rdataAt, alg.end)).bytes(d.subarray(0, 8)).u16(0)
        .u16(h.id).u16(16).u16(0).finish();
      t.u16(rdata.length).bytes(rdata);
      const out = new Writer().bytes(answer).bytes(t.finish()).finish();
      out[11] = 1;
      answer = out;
    } else if (m !== "unsigned") {
      answer = signMessage(answer, key, Date.now(), mac).message;
    }
    await conn.write(new Writer().u16(answer.length).bytes(answer).finish());
  });
  return { server, seen };
}

describe("rfc2136 DNS provider", () => {
  const servers: TestServer[] = [];
  after(() => servers.forEach((s) => s.close()));

  async function provider(zone: string, mode?: (seen: Seen) => Mode, params: Record<string, string> = {}) {
    const s = await standIn(zone, KEY, mode);
    servers.push(s.server);
    const dns = rfc2136Provider.create({
      server: `127.0.0.1:${s.server.port}`,
      "key-name": "acme-key",
      "key-secret": SECRET,
      ...params,
    }, { net: await net(), logger: createLogger({ level: "none" }) });
    return { dns, seen: s.seen, port: s.server.port };
  }

  test("create() finds the zone by trying the name and its parents, then adds the TXT record", async () => {
    const { dns, seen } = await provider("example.test");
    await dns.create("_acme-challenge.a.example.test", "token-1");
    assert.deepEqual(seen.map((s) => s.zone), [
      "_acme-challenge.a.example.test",
      "a.example.test",
      "example.test",
    ]);
    assert.deepEqual(seen[2], {
      zone: "example.test",
      name: "_acme-challenge.a.example.test",
      class: CLASS.IN,
      ttl: 60,
      value: "token-1",
    });
  });

  test("two values of one name are two separate adds, and delete() removes one value with class NONE", async () => {
    const { dns, seen } = await provider("example.test", undefined, { zone: "example.test" });
    await dns.create("_acme-challenge.example.test", "for-example.test");
    await dns.create("_acme-challenge.example.test", "for-*.example.test");
    await dns.delete("_acme-challenge.example.test", "for-example.test");
    assert.deepEqual(seen.map((s) => [s.zone, s.class, s.ttl, s.value]), [
      ["example.test", CLASS.IN, 60, "for-example.test"],
      ["example.test", CLASS.IN, 60, "for-*.example.test"],
      ["example.test", CLASS.NONE, 0, "for-example.test"],
    ]);
  });

  test("an update the server refuses fails with the response code", async () => {
    const { dns, port } = await provider("example.test", () => 5, { zone: "example.test" });
    await assert.rejects(
      dns.create("_acme-challenge.example.test", "v"),
      new RegExp(
        `DNS update \\(add TXT "_acme-challenge.example.test" in zone "example.test"\\) at 127.0.0.1:${port} failed: REFUSED`,
      ),
    );
  });

  test("a server outside every zone of the name says so", async () => {
    const { dns } = await provider("elsewhere.test");
    await assert.rejects(
      dns.create("_acme-challenge.example.test", "v"),
      /is not authoritative for any zone of "_acme-challenge.example.test"/,
    );
  });

  test("a wrong secret is reported with the server's TSIG error", async () => {
    const s = await standIn("example.test", KEY);
    servers.push(s.server);
    const dns = createRfc2136Provider({
      server: { hostname: "127.0.0.1", port: s.server.port },
      key: parseTsigKey("acme-key", "hmac-sha256", "d3Jvbmc="),
      zone: "example.test",
    }, { net: await net() });
    await assert.rejects(
      dns.create("_acme-challenge.example.test", "v"),
      /refused the TSIG key "acme-key": BADSIG/,
    );
  });

  test("an unsigned answer is not trusted", async () => {
    const { dns } = await provider("example.test", () => "unsigned", { zone: "example.test" });
    await assert.rejects(dns.create("_acme-challenge.example.test", "v"), /is not signed/);
  });

  test("a server that does not answer fails after the timeout", async () => {
    const { dns } = await provider("example.test", () => "silent", { zone: "example.test", timeout: "0.3" });
    await assert.rejects(dns.create("_acme-challenge.example.test", "v"), /did not answer within 300 ms/);
  });

  test("parameters are checked when the provider is made", async () => {
    const services = { net: await net(), logger: createLogger({ level: "none" }) };
    assert.throws(
      () => rfc2136Provider.create({ "key-name": "k", "key-secret": SECRET }, services),
      /needs the parameter "server"/,
    );
    assert.throws(
      () => rfc2136Provider.create({ server: "ns", "key-name": "k" }, services),
      /needs the parameter "key-secret"/,
    );
    assert.throws(
      () =>
        rfc2136Provider.create({
          server: "ns",
          "key-name": "k",
          "key-secret": SECRET,
          "key-algorithm": "hmac-md5",
        }, services),
      /Unknown TSIG algorithm "hmac-md5"/,
    );
    assert.throws(
      () => rfc2136Provider.create({ server: "ns:99999", "key-name": "k", "key-secret": SECRET }, services),
      /Invalid server "ns:99999"/,
    );
  });

  test("port= sets the server's port", async () => {
    const s = await standIn("example.test", KEY);
    servers.push(s.server);
    const dns = rfc2136Provider.create(
      {
        server: "127.0.0.1",
        port: String(s.server.port),
        "key-name": "acme-key",
        "key-secret": SECRET,
        zone: "example.test",
      },
      { net: await net(), logger: createLogger({ level: "none" }) },
    );
    await dns.create("_acme-challenge.example.test", "v");
    assert.equal(s.seen.length, 1);
  });

  test("parseDnsServer() reads host, host:port, [v6]:port and bare IPv6", () => {
    assert.deepEqual(parseDnsServer("ns1.example.com"), { hostname: "ns1.example.com", port: 53 });
    assert.deepEqual(parseDnsServer("127.0.0.1:5353"), { hostname: "127.0.0.1", port: 5353 });
    assert.deepEqual(parseDnsServer("[::1]:5353"), { hostname: "::1", port: 5353 });
    assert.deepEqual(parseDnsServer("::1"), { hostname: "::1", port: 53 });
    assert.throws(() => parseDnsServer(":53"), /Invalid server/);
  });
});
