import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readProxyConfig, upstreamPath } from "../../src/http/proxy_config.ts";
import { type ForwardInput, forwardRequest, forwardResponseHeaders } from "../../src/http/forward.ts";
import { parseStatusRanges } from "../../src/http/health.ts";

const base: ForwardInput = {
  method: "GET",
  path: "/api/users",
  query: "?id=1",
  headers: [
    ["Host", "shop.example:8080"],
    ["Connection", "keep-alive, X-Hop"],
    ["X-Hop", "1"],
    ["Keep-Alive", "timeout=5"],
    ["Transfer-Encoding", "chunked"],
    ["X-Forwarded-For", "203.0.113.9"],
    ["X-Forwarded-Proto", "spoofed"],
    ["Accept", "*/*"],
  ],
  props: new Map(),
  clientIp: "198.51.100.7",
  localPort: 8080,
};

function headers(list: [string, string][]): Record<string, string> {
  return Object.fromEntries(list.map(([k, v]) => [k.toLowerCase(), v]));
}

describe("forwardRequest()", () => {
  test("drops hop-by-hop headers, appends X-Forwarded-For and sets -Proto and -Host", () => {
    const config = readProxyConfig({ "proxy.address": "http://10.0.0.5:9000" });
    const f = forwardRequest(config, base);
    const h = headers(f.headers);
    assert.equal(f.target, "/api/users?id=1");
    assert.equal(h["host"], "10.0.0.5:9000");
    assert.equal(h["x-forwarded-for"], "203.0.113.9, 198.51.100.7");
    assert.equal(h["x-forwarded-proto"], "http");
    assert.equal(h["x-forwarded-host"], "shop.example:8080");
    assert.equal(h["accept"], "*/*");
    for (const gone of ["connection", "x-hop", "keep-alive", "transfer-encoding"]) {
      assert.equal(h[gone], undefined);
    }
  });

  test("says https behind TLS termination and keeps the client's Host with preserve-host", () => {
    const config = readProxyConfig({
      "proxy.address": "http://10.0.0.5:9000",
      "proxy.preserve-host": "true",
    });
    const h = headers(forwardRequest(config, { ...base, props: new Map([["tls", "true"]]) }).headers);
    assert.equal(h["x-forwarded-proto"], "https");
    assert.equal(h["host"], "shop.example:8080");
  });

  test("drops Content-Length when no body will be sent, so a pooled connection cannot desynchronise", () => {
    const config = readProxyConfig({ "proxy.address": "http://u" });
    const withLength = { ...base, headers: [["Host", "a"], ["Content-Length", "10"]] as [string, string][] };
    assert.equal(headers(forwardRequest(config, withLength).headers)["content-length"], "10");
    assert.equal(
      headers(forwardRequest(config, { ...withLength, hasBody: false }).headers)["content-length"],
      undefined,
    );
  });

  test("keeps Upgrade for a tunnelled upgrade", () => {
    const config = readProxyConfig({ "proxy.address": "http://u" });
    const h = headers(
      forwardRequest(config, {
        ...base,
        headers: [["Host", "a"], ["Connection", "Upgrade"], ["Upgrade", "websocket"]],
        upgrade: true,
      }).headers,
    );
    assert.equal(h["connection"], "upgrade");
    assert.equal(h["upgrade"], "websocket");
  });

  test("applies request header transforms last, templated; an empty value removes", () => {
    const config = readProxyConfig({
      "proxy.address": "http://u",
      "proxy.transform[RequestHeader.X-Origin]": "{scheme}://{host}:{port}{path}",
      "proxy.transform[RequestHeader.Accept]": "",
      "proxy.transform[RequestHeader.X-Forwarded-Host]": "fixed",
    });
    const h = headers(forwardRequest(config, base).headers);
    assert.equal(h["x-origin"], "http://shop.example:8080/api/users");
    assert.equal(h["accept"], undefined);
    assert.equal(h["x-forwarded-host"], "fixed");
  });

  test("rewrites the path: remove prefix at a segment boundary, add prefix, then the base path", () => {
    const config = readProxyConfig({
      "proxy.address": "http://u/base/",
      "proxy.transform[PathRemovePrefix]": "/api",
      "proxy.transform[PathPrefix]": "/v2/",
    });
    assert.equal(forwardRequest(config, base).target, "/base/v2/users?id=1");
    assert.equal(upstreamPath(config, "/api"), "/base/v2/");
    assert.equal(upstreamPath(config, "/apix/y"), "/base/v2/apix/y");
  });
});

describe("forwardResponseHeaders()", () => {
  test("drops hop-by-hop headers, keeps repeated Set-Cookie, and applies response transforms", () => {
    const config = readProxyConfig({
      "proxy.address": "http://u",
      "proxy.transform[ResponseHeader.Server]": "",
      "proxy.transform[ResponseHeader.X-Served-For]": "{host}{path}",
    });
    const vars = forwardRequest(config, base).vars;
    const out = forwardResponseHeaders(config, [
      "Set-Cookie",
      "a=1",
      "Set-Cookie",
      "b=2",
      "Connection",
      "close",
      "Transfer-Encoding",
      "chunked",
      "Server",
      "nginx",
      "Content-Length",
      "5",
    ], vars);
    assert.deepEqual(out, [
      ["Set-Cookie", "a=1"],
      ["Set-Cookie", "b=2"],
      ["Content-Length", "5"],
      ["X-Served-For", "shop.example/api/users"],
    ]);
  });
});

describe("readProxyConfig()", () => {
  test("rejects what it cannot use with a message quoting the value", () => {
    assert.throws(
      () => readProxyConfig({ "proxy.address": "ftp://x" }),
      /proxy.address "ftp:\/\/x" has the scheme "ftp:"/,
    );
    assert.throws(() => readProxyConfig({ "proxy.address": "http://x/?a=1" }), /has a query/);
    assert.throws(
      () => readProxyConfig({ "proxy.address": "http://x", "proxy.preserve-host": "yes" }),
      /proxy.preserve-host "yes" is not a boolean/,
    );
    assert.throws(
      () => readProxyConfig({ "proxy.address": "http://x", "proxy.timeout": "5s" }),
      /proxy.timeout "5s"/,
    );
    assert.throws(
      () => readProxyConfig({ "proxy.address": "http://x", "proxy.transform[PathPrefix]": "api" }),
      /is not a path prefix/,
    );
    assert.throws(
      () => readProxyConfig({ "proxy.address": "http://x", "proxy.transform[RequestHeader.Bad Name]": "1" }),
      /"Bad Name" is not a header name/,
    );
  });

  test("defaults: no whole-request timeout, 100 s activity timeout, Host of the address", () => {
    const c = readProxyConfig({ "proxy.address": "http://x:81" });
    assert.equal(c.timeout, 0);
    assert.equal(c.activityTimeout, 100000);
    assert.equal(c.preserveHost, false);
    assert.equal(c.basePath, "");
    assert.equal(c.idleTimeout, 120000, "idle keep-alive connections end after 120 s");
    assert.equal(c.tunnelIdleTimeout, 0, "tunnels have no idle limit unless one is given");
  });

  test("idle-timeout: at least the activity timeout + 20 s by default, as given otherwise", () => {
    const at = (params: Record<string, string>) =>
      readProxyConfig({ "proxy.address": "http://x", ...params });
    assert.equal(at({ "proxy.activity-timeout": "300000" }).idleTimeout, 320000);
    assert.equal(at({ "proxy.activity-timeout": "0" }).idleTimeout, 0, "no activity limit: none");
    const given = at({ "idle-timeout": "5000" });
    assert.equal(given.idleTimeout, 5000);
    assert.equal(given.tunnelIdleTimeout, 5000);
    assert.throws(() => at({ "idle-timeout": "soon" }), /idle-timeout "soon" is not a duration/);
  });
});

describe("parseStatusRanges()", () => {
  test("reads codes and ranges separated by ; or ,", () => {
    assert.deepEqual(parseStatusRanges("200-299"), [[200, 299]]);
    assert.deepEqual(parseStatusRanges("200-299;301, 404"), [[200, 299], [301, 301], [404, 404]]);
  });

  test("rejects anything else quoting the value", () => {
    for (const bad of ["", "abc", "299-200", "99", "200-700", "2xx"]) {
      assert.throws(() => parseStatusRanges(bad), /is not a list of status codes or ranges/, bad);
    }
  });
});
