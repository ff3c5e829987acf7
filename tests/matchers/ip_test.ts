import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inRange, parseCidr, parseIp } from "../../src/matchers/ip.ts";
import { parsePortRange } from "../../src/matchers/port.ts";
import { compileAnchored } from "../../src/matchers/regex.ts";

describe("ip, port and regex values", () => {
  test("parseCidr() accepts bare IPv4/IPv6 addresses and CIDR ranges", () => {
    assert.ok(inRange(parseCidr("10.0.0.0/8"), "10.200.3.4"));
    assert.ok(!inRange(parseCidr("10.0.0.0/8"), "11.0.0.1"));
    assert.ok(inRange(parseCidr("1.2.3.4"), "1.2.3.4"));
    assert.ok(!inRange(parseCidr("1.2.3.4"), "1.2.3.5"));
    assert.ok(inRange(parseCidr("::1"), "::1"));
    assert.ok(inRange(parseCidr("fe80::/10"), "fe80::1234"));
    assert.ok(!inRange(parseCidr("fe80::/10"), "2001:db8::1"));
    assert.ok(inRange(parseCidr("0.0.0.0/0"), "203.0.113.9"));
    assert.ok(!inRange(parseCidr("0.0.0.0/0"), "::1"), "an IPv4 range never matches IPv6");
    assert.ok(inRange(parseCidr("192.168.1.0/25"), "::ffff:192.168.1.100"));
  });

  test("parseCidr() rejects bad values with a message naming them", () => {
    for (
      const bad of ["10.0.0.0/33", "1.2.3", "300.1.1.1", "::1/129", "abc", "1.2.3.4/x", ":::", "010.0.0.0/8"]
    ) {
      assert.throws(
        () => parseCidr(bad),
        (e: Error) => e instanceof RangeError && e.message.includes(`"${bad}"`),
        bad,
      );
    }
  });

  test("parseIp() understands IPv6 forms", () => {
    assert.equal(parseIp("2001:db8::1")?.family, 6);
    assert.equal(parseIp("[::1]")?.family, 6);
    assert.equal(parseIp("::ffff:1.2.3.4")?.family, 4);
    assert.equal(parseIp("1:2:3:4:5:6:7:8")?.bytes[15], 8);
    assert.equal(parseIp("1:2:3:4:5:6:7:8:9"), undefined);
    assert.equal(parseIp("1::2::3"), undefined);
    assert.equal(parseIp("1.2.3.04"), undefined, "no leading zero in IPv4");
    assert.equal(parseIp("::ffff:1.2.3.04"), undefined, "nor in embedded IPv4");
    assert.equal(parseIp("0.0.0.0")?.family, 4);
    assert.equal(parseIp("2001:0db8:0000::1")?.family, 6, "IPv6 groups may have them");
  });

  test("parsePortRange() accepts N and A-B only", () => {
    assert.deepEqual(parsePortRange("443"), { from: 443, to: 443 });
    assert.deepEqual(parsePortRange("1000-2000"), { from: 1000, to: 2000 });
    for (const bad of ["0", "70000", "2000-1000", "a", "1-", ""]) {
      assert.throws(() => parsePortRange(bad), RangeError, bad);
    }
  });

  test("compileAnchored() anchors to the whole value and tolerates ^ and $", () => {
    assert.ok(compileAnchored("api\\.example\\.com").test("api.example.com"));
    assert.ok(!compileAnchored("api\\.example\\.com").test("xapi.example.com"));
    assert.ok(compileAnchored("^a|b$").test("b"));
    assert.ok(!compileAnchored("a|b").test("ab"));
    assert.ok(!compileAnchored("abc").test("ABC"), "case-sensitive");
    assert.throws(() => compileAnchored("(unclosed"), SyntaxError);
  });
});
