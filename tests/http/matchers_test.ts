import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHttpProbe } from "../../src/http/matchers.ts";
import type { ProbeInput } from "../../src/core/backend.ts";
import { createEntries } from "../../src/core/registry.ts";
import { BACKENDS } from "../../src/backends/mod.ts";
import { parseBackendSpec } from "../../src/config/spec.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { type NetAdapter, netAddr } from "../../src/net/types.ts";
import { text } from "../detect/helpers.ts";

const GET =
  "GET /api/users?limit=5 HTTP/1.1\r\nHost: Shop.Example:8080\r\nX-Api-Key: k1\r\nAccept: */*\r\n\r\n";

function input(bytes: string, props: Record<string, string> = {}, final = false): ProbeInput {
  const local = netAddr("127.0.0.1", 443);
  const client = netAddr("127.0.0.1", 50000);
  return { bytes: text(bytes), props: new Map(Object.entries(props)), local, client, final };
}

function probe(
  params: Record<string, string>,
  bytes: string,
  props: Record<string, string> = {},
  final = false,
) {
  return createHttpProbe(params)(input(bytes, props, final));
}

describe("createHttpProbe()", () => {
  test("answers no at once when the first byte cannot start an HTTP request", () => {
    assert.equal(probe({}, "\x16"), "no");
    assert.equal(probe({}, "SSH-2.0-x\r\n"), "no");
    assert.equal(probe({ path: "/.*" }, "\x00"), "no");
  });

  test("matches any HTTP/1.x request once the request line is complete when it has no matchers", () => {
    assert.equal(probe({}, "GET / HT"), "more");
    assert.equal(probe({}, "GET / HTTP/1.1\r\n"), "match");
    assert.equal(probe({}, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), "no");
  });

  test("decides path, method and protocol-version from the request line alone", () => {
    const line = "GET /api/users?limit=5 HTTP/1.1\r\n";
    assert.equal(probe({ path: "/api/.*" }, line), "match");
    assert.equal(probe({ path: "/api/users" }, line), "match", "the query is not part of the path");
    assert.equal(probe({ path: "/api/users\\?limit=5" }, line), "no");
    assert.equal(probe({ method: "GET;HEAD" }, line), "match");
    assert.equal(probe({ method: "get" }, line), "no", "case-sensitive");
    assert.equal(probe({ "protocol-version": "HTTP/1.1" }, line), "match");
    assert.equal(probe({ "protocol-version": "HTTP/1.0" }, line), "no");
  });

  test("waits for the headers when a host or header matcher needs them", () => {
    const line = "GET / HTTP/1.1\r\nHost: a.example\r\n";
    assert.equal(probe({ host: "a\\.example" }, line), "more");
    assert.equal(probe({ host: "a\\.example" }, line + "\r\n"), "match");
    assert.equal(probe({ "header[X-Api-Key]": "k.*" }, line), "more");
    assert.equal(probe({ "header[X-Api-Key]": "k.*" }, line, {}, true), "no");
  });

  test("compares the Host header without its port, lower-case", () => {
    assert.equal(probe({ host: "shop\\.example" }, GET), "match");
    assert.equal(probe({ host: "shop\\.example:8080" }, GET), "no");
    assert.equal(probe({ host: "other\\.example" }, GET), "no");
  });

  test("prefers the SNI of a terminated TLS connection and decides without headers", () => {
    const line = "GET / HTTP/1.1\r\n";
    assert.equal(probe({ host: "tls\\.example" }, line, { "tls.sni": "tls.example" }), "match");
    assert.equal(probe({ host: "shop\\.example" }, GET, { "tls.sni": "tls.example" }), "no");
  });

  test("matches header[name] case-insensitively by name, and a missing header fails", () => {
    assert.equal(probe({ "header[x-api-key]": "k1" }, GET), "match");
    assert.equal(probe({ "header[X-Api-Key]": "k2;k1" }, GET), "match");
    assert.equal(probe({ "header[X-Other]": ".*" }, GET), "no");
    assert.equal(
      probe({ "header[X-Other]!": ".*" }, GET),
      "match",
      "a missing header passes a negated matcher",
    );
  });

  test("negates with ! and ANDs every matcher", () => {
    assert.equal(probe({ "path!": "/admin/.*" }, GET), "match");
    assert.equal(probe({ "path!": "/api/.*" }, GET), "no");
    assert.equal(probe({ "host!": "a;b;shop\\.example" }, GET), "no");
    assert.equal(probe({ path: "/api/.*", method: "POST" }, GET), "no");
    assert.equal(probe({ path: "/api/.*", method: "GET", host: "shop\\.example" }, GET), "match");
  });

  test("names the parameter of an invalid regex", () => {
    assert.throws(() => createHttpProbe({ path: "(" }), /path="\("/);
    assert.throws(() => createHttpProbe({ "header[]": "x" }), /header/);
  });
});

describe("HTTP backends through the registry", () => {
  const services = () => ({
    net: {} as NetAdapter,
    logger: createLogger({ level: "none" }),
    metrics: createMetrics(),
  });
  const build = (spec: string) => createEntries(parseBackendSpec(spec), { protocols: BACKENDS, services });

  test("accept plain, negated and indexed matcher keys", () => {
    const [e] = build(
      'web:http-response:host!=a\\.example,path=/x;/y,method!=POST,protocol-version=HTTP/1.1,"header[X-A]!"=1',
    );
    assert.equal(e.transport, "tcp");
    assert.equal(e.probe(input("GET /x HTTP/1.1\r\nHost: b.example\r\n\r\n")), "match");
    assert.equal(e.probe(input("GET /x HTTP/1.1\r\nHost: a.example\r\n\r\n")), "no");
  });

  test("stop startup with a message naming the backend and the value", () => {
    assert.throws(
      () => build("web:http-response:response.status=abc"),
      /backend "web" \(http-response\): response.status "abc" is not an HTTP status: expected 200-599/,
    );
    assert.throws(() => build("web:http-response:response.status=99"), /response.status "99"/);
    assert.throws(() => build("web:http-response:path=("), /backend "web".*path="\("/);
    assert.throws(
      () => build("p:http-proxy:proxy.address=/relative"),
      /proxy.address "\/relative" is not an absolute URL/,
    );
    assert.throws(() => build("p:http-proxy"), /parameter "proxy.address" is required/);
    assert.throws(
      () => build("p:http-proxy:proxy.address=http://a,proxy.transform[Bogus]=1"),
      /unknown transform "proxy.transform\[Bogus\]"/,
    );
  });
});
