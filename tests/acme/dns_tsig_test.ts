/**
 * DNS UPDATE encoding and TSIG against known vectors: the exact bytes `nsupdate` (BIND 9.18) sent and what
 * `named` answered, recorded on loopback with the key below. Our encoder must produce the same request bytes
 * for the same id and time, and must accept BIND's signed answers and reject altered ones.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { parseTsigKey, signMessage, verifyAnswer } from "../../src/acme/dns/tsig.ts";
import {
  addTxt,
  buildUpdate,
  deleteTxt,
  encodeName,
  encodeTxt,
  rcodeName,
  readHeader,
  readName,
} from "../../src/acme/dns/wire.ts";

const hex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** `key hmac-sha256:acme-key <secret>` as given to nsupdate and named. */
const KEY = parseTsigKey(
  "acme-key",
  "hmac-sha256",
  Buffer.from("secret-key-for-pmmux-tsig-tests!").toString("base64"),
);
const WRONG = parseTsigKey(
  "acme-key",
  "hmac-sha256",
  Buffer.from("a-wrong-secret-for-pmmux-tests!!").toString("base64"),
);

/** nsupdate: `update add _acme-challenge.vec.pmmux.test 60 TXT "vector-value"` in zone pmmux.test. */
const ADD = {
  id: 0xfc0b,
  time: 0x6b0336f4,
  request: hex(
    "fc0b2800000100000001000105706d6d7578047465737400000600010f5f61636d652d6368616c6c656e676503766563" +
      "05706d6d7578047465737400001000010000003c000d0c766563746f722d76616c75650861636d652d6b65790000fa00" +
      "ff00000000003d0b686d61632d7368613235360000006b0336f4012c00207e36cdf98fe1b988f1e9563d21b135571d3b" +
      "05aab3afa9825fdd0b8f96eea1d8fc0b00000000",
  ),
  answer: hex(
    "fc0ba800000100000000000105706d6d7578047465737400000600010861636d652d6b65790000fa00ff00000000003d" +
      "0b686d61632d7368613235360000006b0336f4012c0020cf70e59ed399a6c562f3b156cde730b8b9d0bf0750cd8e894b" +
      "42909d28897667fc0b00000000",
  ),
};

/** nsupdate: `update delete _acme-challenge.vec.pmmux.test 0 TXT "vector-value"`. */
const DELETE = {
  id: 0xc7dd,
  time: 0x6b0336f8,
  request: hex(
    "c7dd2800000100000001000105706d6d7578047465737400000600010f5f61636d652d6368616c6c656e676503766563" +
      "05706d6d7578047465737400001000fe00000000000d0c766563746f722d76616c75650861636d652d6b65790000fa00" +
      "ff00000000003d0b686d61632d7368613235360000006b0336f8012c0020724059dd566370e9f331bc4b50ee93720997" +
      "3bd01e34dcfcaded2b6236eabef0c7dd00000000",
  ),
  answer: hex(
    "c7dda800000100000000000105706d6d7578047465737400000600010861636d652d6b65790000fa00ff00000000003d" +
      "0b686d61632d7368613235360000006b0336f8012c0020c2fb154fc6dcc5e8cea81ac80c92ac02627768f0ae81ddd163" +
      "39e78471a2ba73c7dd00000000",
  ),
};

/** nsupdate with the wrong secret: named answers NOTAUTH with TSIG error BADSIG and an empty MAC. */
const BADSIG = {
  id: 0x77e3,
  time: 0x6b0336f9,
  request: hex(
    "77e32800000100000001000105706d6d7578047465737400000600010f5f61636d652d6368616c6c656e676503766563" +
      "05706d6d7578047465737400001000010000003c000201780861636d652d6b65790000fa00ff00000000003d0b686d61" +
      "632d7368613235360000006b0336f9012c0020e781acdcd9ef1096c5f2b629b50677f3e2791bc67ee1f858dfba1013c6" +
      "bab29977e300000000",
  ),
  answer: hex(
    "77e3a809000100000000000105706d6d7578047465737400000600010861636d652d6b65790000fa00ff00000000001d" +
      "0b686d61632d7368613235360000006b0336f9012c000077e300100000",
  ),
};

const NAME = "_acme-challenge.vec.pmmux.test";

describe("DNS UPDATE with TSIG", () => {
  test("signMessage() of an add produces the very bytes nsupdate sent", () => {
    const msg = buildUpdate(ADD.id, "pmmux.test", [addTxt(NAME, "vector-value", 60)]);
    const signed = signMessage(msg, KEY, ADD.time * 1000);
    assert.equal(toHex(signed.message), toHex(ADD.request));
  });

  test("signMessage() of a delete (class NONE, TTL 0) produces the very bytes nsupdate sent", () => {
    const msg = buildUpdate(DELETE.id, "pmmux.test", [deleteTxt(NAME, "vector-value")]);
    assert.equal(toHex(signMessage(msg, KEY, DELETE.time * 1000).message), toHex(DELETE.request));
  });

  test("verifyAnswer() accepts named's signed answers to those requests", () => {
    for (const v of [ADD, DELETE]) {
      const unsigned = buildUpdate(
        v.id,
        "pmmux.test",
        [v === ADD ? addTxt(NAME, "vector-value", 60) : deleteTxt(NAME, "vector-value")],
      );
      const signed = signMessage(unsigned, KEY, v.time * 1000);
      assert.deepEqual(verifyAnswer(v.answer, KEY, signed.mac, v.time * 1000 + 2000), {
        rcode: 0,
        tsigError: 0,
        signed: true,
      });
    }
  });

  test("verifyAnswer() rejects an altered answer, another request's MAC, and a time past the fudge", () => {
    const signed = signMessage(
      buildUpdate(ADD.id, "pmmux.test", [addTxt(NAME, "vector-value", 60)]),
      KEY,
      ADD.time * 1000,
    );
    const now = ADD.time * 1000;
    const altered = ADD.answer.slice();
    altered[3] ^= 0x05; // answer code NOERROR → REFUSED, as a forger would like
    assert.throws(() => verifyAnswer(altered, KEY, signed.mac, now), /signature does not verify/);
    const otherMac = signed.mac.slice();
    otherMac[0] ^= 1;
    assert.throws(() => verifyAnswer(ADD.answer, KEY, otherMac, now), /signature does not verify/);
    assert.throws(() => verifyAnswer(ADD.answer, WRONG, signed.mac, now), /signature does not verify/);
    assert.throws(
      () => verifyAnswer(ADD.answer, KEY, signed.mac, now + 301_000),
      /outside the allowed clock/,
    );
    const otherKey = parseTsigKey("other-key", "hmac-sha256", "c2VjcmV0");
    assert.throws(() => verifyAnswer(ADD.answer, otherKey, signed.mac, now), /signed with key "acme-key"/);
    const otherAlg = parseTsigKey("acme-key", "hmac-sha512", "c2VjcmV0");
    assert.throws(() => verifyAnswer(ADD.answer, otherAlg, signed.mac, now), /signed with "hmac-sha256"/);
  });

  test("a wrong secret gives nsupdate's bytes too, and named's BADSIG answer is reported, not trusted", () => {
    const msg = buildUpdate(BADSIG.id, "pmmux.test", [addTxt(NAME, "x", 60)]);
    const signed = signMessage(msg, WRONG, BADSIG.time * 1000);
    assert.equal(toHex(signed.message), toHex(BADSIG.request));
    const r = verifyAnswer(BADSIG.answer, WRONG, signed.mac, BADSIG.time * 1000);
    assert.deepEqual(r, { rcode: 9, tsigError: 16, signed: false });
    assert.equal(`${rcodeName(r.rcode)} ${rcodeName(r.tsigError)}`, "NOTAUTH BADSIG");
  });

  test("an unsigned answer is refused", () => {
    const unsigned = ADD.answer.slice(0, 12 + 16);
    unsigned[11] = 0; // no additional records
    assert.throws(() => verifyAnswer(unsigned, KEY, new Uint8Array(32), ADD.time * 1000), /not signed/);
  });

  test("readHeader() and readName() read named's answer", () => {
    const h = readHeader(ADD.answer);
    assert.deepEqual(h, { id: ADD.id, response: true, opcode: 5, rcode: 0, counts: [1, 0, 0, 1] });
    assert.deepEqual(readName(ADD.answer, 12), { name: "pmmux.test", end: 24 });
  });
});

describe("DNS wire pieces", () => {
  test("encodeName() writes labels and refuses empty or long labels and long names", () => {
    assert.equal(toHex(encodeName("a.bc.")), "0161026263" + "00");
    assert.equal(toHex(encodeName("")), "00");
    assert.equal(toHex(encodeName("HMAC-SHA256", true)), toHex(encodeName("hmac-sha256")));
    assert.throws(() => encodeName("a..b"), /labels must have 1 to 63 bytes/);
    assert.throws(() => encodeName(`${"a".repeat(64)}.test`), /labels must have 1 to 63 bytes/);
    assert.throws(() => encodeName(Array(60).fill("abcd").join(".")), /longer than 255 bytes/);
  });

  test("encodeTxt() splits a long value into character-strings of 255 bytes", () => {
    const data = encodeTxt("x".repeat(300));
    assert.equal(data.length, 302);
    assert.equal(data[0], 255);
    assert.equal(data[256], 45);
  });

  test("parseTsigKey() checks the algorithm and the secret", () => {
    assert.equal(parseTsigKey("k", "HMAC-SHA512.", "c2VjcmV0").algorithm, "hmac-sha512");
    assert.throws(() => parseTsigKey("k", "hmac-md4", "c2VjcmV0"), /Unknown TSIG algorithm "hmac-md4"/);
    assert.throws(() => parseTsigKey("k", "hmac-sha256", "not base64!"), /expected base64/);
  });

  test("readName() follows compression pointers and refuses loops", () => {
    const msg = new Uint8Array([...new Uint8Array(12), 1, 0x61, 0, 1, 0x62, 0xc0, 12, 0xc0, 19]);
    assert.deepEqual(readName(msg, 15), { name: "b.a", end: 19 });
    assert.throws(() => readName(msg, 19), /compression loop/);
  });
});
