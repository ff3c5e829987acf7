/**
 * What `pass` uses to send a PROXY header: the parameter, the announced addresses, the datagram prefix.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { announcedAddresses, prefixWith, readProxyVersion } from "../../src/proxy/send.ts";
import { buildProxyHeader } from "../../src/proxy/mod.ts";
import { baseProps } from "../../src/core/router.ts";
import type { ConnContext } from "../../src/core/backend.ts";
import { netAddr } from "../../src/net/types.ts";

describe("sending PROXY headers", () => {
  test("readProxyVersion() reads v1 and v2 in any case and names a wrong value", () => {
    assert.equal(readProxyVersion({}), undefined);
    assert.equal(readProxyVersion({ "proxy-protocol": "v1" }), 1);
    assert.equal(readProxyVersion({ "Proxy-Protocol": " V2 " }), 2);
    assert.throws(
      () => readProxyVersion({ "proxy-protocol": "v3" }),
      /^RangeError: proxy-protocol "v3" is not a PROXY protocol version: expected v1 or v2$/,
    );
  });

  test("announcedAddresses() uses the socket addresses, or the accepted header's destination", () => {
    const local = netAddr("::1", 443);
    const client = netAddr("::1", 5000);
    const ctx = { props: baseProps(local, client), client, local } as unknown as ConnContext;
    assert.deepEqual(announcedAddresses(ctx), { source: client, destination: local });
    ctx.client = netAddr("203.0.113.7", 1);
    ctx.props.set("proxy.destination-ip", "192.0.2.1");
    ctx.props.set("proxy.destination-port", "8443");
    assert.deepEqual(announcedAddresses(ctx), {
      source: netAddr("203.0.113.7", 1),
      destination: netAddr("192.0.2.1", 8443),
    });
  });

  test("prefixWith() returns header + datagram in a new buffer", () => {
    const f = prefixWith(Uint8Array.of(1, 2));
    const d = Uint8Array.of(9);
    const out = f(d);
    assert.deepEqual(out, Uint8Array.of(1, 2, 9));
    assert.notEqual(out.buffer, d.buffer);
  });

  test("buildProxyHeader() refuses v1 over UDP", () => {
    assert.throws(
      () => buildProxyHeader(1, netAddr("1.1.1.1", 1), netAddr("2.2.2.2", 2), "udp"),
      /no UDP form/,
    );
    assert.equal(buildProxyHeader(2, netAddr("1.1.1.1", 1), netAddr("2.2.2.2", 2), "udp")[13], 0x12);
  });
});
