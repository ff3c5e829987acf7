import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { compileTemplate, pathAndQuery, requestVars, type TemplateVars } from "../../src/http/template.ts";

const vars: TemplateVars = {
  scheme: "https",
  host: "a.example",
  port: "8443",
  method: "GET",
  path: "/favicon.ico",
  query: "?v=2",
};

describe("compileTemplate()", () => {
  test("replaces the six variables, case-insensitively", () => {
    const t = compileTemplate("{scheme}://{HOST}:{port}{path}{query} {method}");
    assert.equal(t.constant, false);
    assert.equal(t.render(vars), "https://a.example:8443/favicon.ico?v=2 GET");
  });

  test("keeps other braces literally, so JSON needs no escaping", () => {
    const t = compileTemplate('{"ok":true,"path":"{path}","x":"{unknown}"}');
    assert.equal(t.render(vars), '{"ok":true,"path":"/favicon.ico","x":"{unknown}"}');
  });

  test("marks text without variables constant", () => {
    const t = compileTemplate("text/html; charset=utf-8");
    assert.equal(t.constant, true);
    assert.equal(t.render(vars), "text/html; charset=utf-8");
  });
});

describe("requestVars()", () => {
  test("takes host and port from the Host header and the scheme from the tls property", () => {
    const req = new Request("http://a.example:8080/p/q?x=1", { headers: { host: "a.example:8080" } });
    assert.deepEqual(requestVars(req, new Map([["tls", "true"]]), 443), {
      scheme: "https",
      host: "a.example",
      port: "8080",
      method: "GET",
      path: "/p/q",
      query: "?x=1",
    });
  });

  test("falls back to the connection's local port and plain http", () => {
    const req = new Request("http://b.example/", { headers: { host: "b.example" } });
    const v = requestVars(req, new Map(), 8080);
    assert.equal(v.port, "8080");
    assert.equal(v.scheme, "http");
    assert.equal(v.query, "");
  });
});

describe("pathAndQuery()", () => {
  test("splits without URL parsing", () => {
    assert.deepEqual(pathAndQuery("http://h:1/a/b?c=d&e"), ["/a/b", "?c=d&e"]);
    assert.deepEqual(pathAndQuery("http://h:1/"), ["/", ""]);
    assert.deepEqual(pathAndQuery("http://h:1"), ["/", ""]);
    assert.deepEqual(pathAndQuery("http://[::1]:1/x?"), ["/x", "?"]);
  });
});
