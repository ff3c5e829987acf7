import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRegexDetector } from "../../src/detect/regex.ts";
import { assertMoreAtEveryCut, assertNeverThrows, fixture, hex, text } from "./helpers.ts";

const get = fixture("http_get_curl.txt");

describe("regex detector", () => {
  test("createRegexDetector() names the detector after its pattern", () => {
    const d = createRegexDetector("^GET ");
    assert.equal(d.name, "regex:^GET ");
    assert.deepEqual(d.transports, ["tcp", "udp"]);
  });

  test("createRegexDetector() anchors the pattern at the first byte", () => {
    const d = createRegexDetector("HTTP/1\\.1");
    assert.equal(d.detect(get, "tcp"), "no");
    assert.equal(d.detect(text("HTTP/1.1 200 OK\r\n"), "tcp"), "match");
  });

  test("createRegexDetector() matches anywhere when the pattern starts with .*", () => {
    const d = createRegexDetector(".*User-Agent: curl/");
    assert.equal(d.detect(get, "tcp"), "match");
    assert.equal(d.detect(fixture("http_post_curl.txt"), "udp"), "match");
  });

  test("createRegexDetector() views the bytes as latin-1, one character per byte", () => {
    const d = createRegexDetector("\\x16\\x03[\\x01-\\x04]..\\x01");
    assert.equal(d.detect(fixture("tls_client_hello_sni.bin"), "tcp"), "match");
    assert.equal(createRegexDetector("\\xff\\x80").detect(hex("ff80"), "udp"), "match");
  });

  test("createRegexDetector() answers more while the bytes are a prefix of the literal start", () => {
    assertMoreAtEveryCut(createRegexDetector("^GET /index"), get, 10);
  });

  test("createRegexDetector() answers no once the literal start is contradicted", () => {
    const d = createRegexDetector("GET /api/");
    assert.equal(d.detect(text("POS"), "tcp"), "no");
    assert.equal(d.detect(text("GET /index"), "tcp"), "no");
  });

  test("createRegexDetector() waits for minBytes before answering no", () => {
    const d = createRegexDetector(".*Host: example\\.com", { minBytes: 64 });
    assert.equal(d.detect(get.subarray(0, 40), "tcp"), "more");
    assert.equal(d.detect(get, "tcp"), "no");
    assert.equal(d.detect(get.subarray(0, 40), "udp"), "no");
  });

  test("createRegexDetector() stops the literal start at a quantifier or an alternation", () => {
    assert.equal(createRegexDetector("GETX?").detect(text("GE"), "tcp"), "more");
    assert.equal(createRegexDetector("GETX?").detect(text("GET"), "tcp"), "match");
    assert.equal(createRegexDetector("GET|PUT").detect(text("PUT"), "tcp"), "match");
  });

  test("createRegexDetector() throws a SyntaxError naming the pattern for an invalid one", () => {
    assert.throws(() => createRegexDetector("(GET"), (e: unknown) => {
      assert.ok(e instanceof SyntaxError);
      assert.match(e.message, /^Invalid regex "\(GET" in detect=regex:\(GET: .+/);
      assert.doesNotMatch(e.message, /\.$/);
      return true;
    });
  });

  test("a regex detector never throws on random bytes", () => {
    assertNeverThrows(createRegexDetector("^(GET|POST) /[a-z]*"), [get]);
    assertNeverThrows(createRegexDetector(".*\\x00\\xff"), [get]);
  });
});
