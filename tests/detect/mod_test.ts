import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DETECTOR_NAMES, DETECTORS, findDetector } from "../../src/detect/mod.ts";

const CATALOGUE = [
  "tls",
  "http",
  "http2",
  "ssh",
  "socks4",
  "socks5",
  "proxy",
  "openvpn",
  "wireguard",
  "quic",
  "dns",
  "rdp",
  "xmpp",
  "postgres",
  "mqtt",
  "bittorrent",
  "syslog",
  "stun",
];

describe("detector table", () => {
  test("DETECTORS lists the SPEC §16 catalogue in order", () => {
    assert.deepEqual(DETECTORS.map((d) => d.name), CATALOGUE);
    assert.deepEqual(DETECTOR_NAMES, CATALOGUE);
  });

  test("every detector names at least one transport and answers more or no for no bytes", () => {
    for (const d of DETECTORS) {
      assert.ok(d.transports.length > 0, d.name);
      for (const t of d.transports) {
        assert.equal(d.detect(new Uint8Array(0), t), t === "tcp" ? "more" : "no", `${d.name} over ${t}`);
      }
    }
  });

  test("findDetector() ignores case", () => {
    assert.equal(findDetector("SSH"), findDetector("ssh"));
    assert.equal(findDetector("WireGuard")?.name, "wireguard");
  });

  test("findDetector() returns undefined for an unknown name", () => {
    assert.equal(findDetector("gopher"), undefined);
  });

  test("findDetector() builds a regex detector and keeps the pattern's case", () => {
    const d = findDetector("Regex:^HELLO ");
    assert.equal(d?.name, "regex:^HELLO ");
    assert.equal(d?.detect(new TextEncoder().encode("HELLO world"), "tcp"), "match");
  });

  test("findDetector() throws a SyntaxError for an invalid regex", () => {
    assert.throws(() => findDetector("regex:[a-"), SyntaxError);
  });
});
