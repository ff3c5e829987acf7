/**
 * The example extension on its own: its detectors over named byte samples, and its backend protocol and
 * strategy in an in-process pmmux on the running runtime (`deno test -A --unstable-net examples/` or
 * `bun test examples/`). tests/dist/extension_test.ts routes to it through `-x` under Deno, Bun and the binary.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../src/backends/mod.ts";
import { STRATEGIES } from "../../src/strategies/mod.ts";
import { exchange, namedEcho, startMux, udpSocket } from "../../tests/helpers/net.ts";
import { extension, greeting, hello, lastMatch, tftp } from "./greeting.ts";

const bytes = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0)));

describe("greeting extension", () => {
  test("hello: HELLO matches, a prefix of it needs more, anything else is no", () => {
    const cases: [string, string][] = [
      ["HELLO", "match"],
      ["HELLO world\n", "match"],
      ["", "more"],
      ["HEL", "more"],
      ["HELP", "no"],
      ["hello", "no"],
      ["SSH-2.0-x\r\n", "no"],
    ];
    for (const [text, verdict] of cases) assert.equal(hello.detect(bytes(text), "tcp"), verdict, text);
  });

  test("tftp: read and write requests match; other opcodes, bad modes and truncated requests do not", () => {
    const cases: [string, string, string][] = [
      ["RRQ octet", "\x00\x01boot.img\x00octet\x00", "match"],
      ["WRQ netascii, mode in upper case", "\x00\x02notes.txt\x00NETASCII\x00", "match"],
      ["DATA packet", "\x00\x03\x00\x01data", "no"],
      ["unknown mode", "\x00\x01boot.img\x00binary\x00", "no"],
      ["empty file name", "\x00\x01\x00octet\x00", "no"],
      ["no NUL after the mode", "\x00\x01boot.img\x00octet", "no"],
      ["too short", "\x00\x01", "no"],
      ["DNS query", "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", "no"],
    ];
    for (const [name, text, verdict] of cases) assert.equal(tftp.detect(bytes(text), "udp"), verdict, name);
  });

  test("the extension object lists its plug-ins", () => {
    assert.equal(extension.name, "greeting");
    assert.deepEqual(extension.backends, [greeting]);
    assert.deepEqual(extension.detectors, [hello, tftp]);
    assert.deepEqual(extension.strategies, [lastMatch]);
  });

  test("greeting answers TCP with its banner, chosen by detect=hello ahead of a pass backend", async () => {
    const alpha = await namedEcho("alpha");
    const mux = await startMux([
      "hi:greeting:detect=hello,banner=Hi there",
      `rest:pass:target.ip=127.0.0.1,target.port=${alpha.port}`,
    ], { protocols: [...BACKENDS, greeting], detectors: [hello, tftp] });
    try {
      assert.equal(await exchange(mux.port, "HELLO\n"), "Hi there\n");
      assert.equal(await exchange(mux.port, "other\n"), "alpha\nother\n");
    } finally {
      await mux.stop();
      alpha.close();
    }
  });

  test("greeting answers a TFTP request over UDP; last-match picks the last matching backend", async () => {
    const mux = await startMux([
      "first:greeting:banner=first",
      "t:greeting:detect=tftp,banner=second",
    ], {
      protocols: [...BACKENDS, greeting],
      detectors: [hello, tftp],
      strategies: [...STRATEGIES, lastMatch],
      routingStrategy: "last-match",
      transports: ["tcp", "udp"],
    });
    const client = await udpSocket();
    try {
      client.send("\x00\x01boot.img\x00octet\x00", mux.udpPort);
      assert.equal(new TextDecoder().decode(await client.next()), "second\n");
    } finally {
      client.close();
      await mux.stop();
    }
  });

  test("an unknown detect= name lists the extension's detectors too", async () => {
    await assert.rejects(
      startMux(["x:greeting:detect=gopher"], {
        protocols: [...BACKENDS, greeting],
        detectors: [hello, tftp],
      }),
      /unknown detector "gopher": expected one of tls, .*, stun, hello, tftp, regex:<pattern>/,
    );
  });
});
