/**
 * Challenge solvers: the temporary port-80 listener of http-01 (here on a free port standing in for 80) on a
 * real app, and dns-01 records through a recording provider.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openHttp01Listener, servesPort } from "../../src/acme/http01_listener.ts";
import { createDns01Solver, createHttp01Solver, Http01Tokens } from "../../src/acme/solvers.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { connect, startMux, type TestMux } from "../helpers/net.ts";
import { freePort } from "../system/helpers/daemons.ts";

const logger = createLogger({ level: "none" });

/** Port maps that record calls; `kept` mappings make it look like the user maps ports. */
function fakePortMaps(kept: { networkProtocol: string; localPort: number; publicPort: number }[] = []) {
  const calls: string[] = [];
  return {
    calls,
    list: () => kept,
    add: (r: { localPort: number; publicPort: number }) => {
      calls.push(`add ${r.publicPort}->${r.localPort}`);
      return Promise.resolve({});
    },
    remove: (r: { localPort: number; publicPort: number }) => {
      calls.push(`remove ${r.publicPort}->${r.localPort}`);
      return Promise.resolve({});
    },
  };
}

async function reachable(port: number): Promise<boolean> {
  try {
    (await connect(port)).close();
    return true;
  } catch {
    return false;
  }
}

describe("http-01 temporary listener", () => {
  const muxes: TestMux[] = [];
  after(async () => {
    for (const m of muxes) await m.stop();
  });

  test("opens a listener when none serves the port, and closes it afterwards", async () => {
    const mux = await startMux(["web:echo"]);
    muxes.push(mux);
    const port = await freePort();
    assert.equal(await reachable(port), false);
    const release = await openHttp01Listener({
      listeners: mux.app.listeners,
      port,
      address: "127.0.0.1",
      logger,
    });
    assert.equal(await reachable(port), true);
    assert.equal(servesPort(mux.app.listeners, port, "127.0.0.1"), true);
    await release();
    assert.equal(await reachable(port), false);
    assert.equal(mux.app.listeners.list().length, 1);
  });

  test("opens nothing when a listener on that port covers the address", async () => {
    const mux = await startMux(["web:echo"]);
    muxes.push(mux);
    const before = mux.app.listeners.list().length;
    const release = await openHttp01Listener({
      listeners: mux.app.listeners,
      port: mux.port,
      address: "127.0.0.1",
      logger,
    });
    assert.equal(mux.app.listeners.list().length, before);
    await release();
    assert.equal(mux.app.listeners.list().length, before, "the user's listener was closed");
  });

  test("a port that cannot be bound is a warning, not a failure", async () => {
    const mux = await startMux(["web:echo"]);
    muxes.push(mux);
    const lines: string[] = [];
    const log = createLogger({ level: "warning", sinks: [{ write: (l: string) => lines.push(l) }] });
    // Bound by the mux's listener on 127.0.0.1 but asked for another address: binding fails, the order goes on.
    const release = await openHttp01Listener({
      listeners: mux.app.listeners,
      port: mux.port,
      address: "0.0.0.0",
      logger: log,
    });
    await release();
    assert.match(lines.join("\n"), /Cannot open a temporary port \d+ listener for ACME http-01/);
  });

  test("adds a NAT mapping for the port only when pmmux maps ports, and removes it afterwards", async () => {
    const mux = await startMux(["web:echo"]);
    muxes.push(mux);
    const port = await freePort();
    const none = fakePortMaps();
    await (await openHttp01Listener({
      listeners: mux.app.listeners,
      portMaps: none,
      port,
      address: "127.0.0.1",
      logger,
    }))();
    assert.deepEqual(none.calls, [], "a NAT mapping was made although pmmux maps no port");
    const some = fakePortMaps([{ networkProtocol: "Tcp", localPort: 8443, publicPort: 443 }]);
    await (await openHttp01Listener({
      listeners: mux.app.listeners,
      portMaps: some,
      port,
      address: "127.0.0.1",
      logger,
    }))();
    assert.deepEqual(some.calls, [`add ${port}->${port}`, `remove ${port}->${port}`]);
  });

  test("the http-01 solver publishes and withdraws tokens, and prepare() opens the listener", async () => {
    const mux = await startMux(["web:echo"]);
    muxes.push(mux);
    const port = await freePort();
    const tokens = new Http01Tokens();
    const solver = createHttp01Solver(tokens, {
      listeners: mux.app.listeners,
      port,
      address: "127.0.0.1",
      logger,
    });
    const release = await solver.prepare!();
    assert.equal(await reachable(port), true);
    const ch = { type: "http-01", domain: "example.com", token: "tok", keyAuthorization: "tok.thumb" };
    await solver.present(ch);
    assert.equal(tokens.get("tok"), "tok.thumb");
    await solver.cleanup(ch);
    assert.equal(tokens.size, 0);
    await release();
    assert.equal(await reachable(port), false);
    await assert.rejects(
      solver.present({ ...ch, type: "tls-alpn-01" }),
      /The CA offers no http-01 challenge for "example.com"/,
    );
  });
});

describe("dns-01 solver", () => {
  test("records for example.com and *.example.com share one name with two values, each removed alone", async () => {
    const records = new Map<string, string[]>();
    const provider = {
      create(name: string, value: string) {
        records.set(name, [...(records.get(name) ?? []), value]);
        return Promise.resolve();
      },
      delete(name: string, value: string) {
        records.set(name, (records.get(name) ?? []).filter((v) => v !== value));
        return Promise.resolve();
      },
    };
    const solver = createDns01Solver({ provider, logger });
    // A wildcard's authorization names the base domain (RFC 8555 §7.1.3).
    const base = { type: "dns-01", domain: "example.com", token: "t1", keyAuthorization: "digest-one" };
    const wild = { type: "dns-01", domain: "example.com", token: "t2", keyAuthorization: "digest-two" };
    await Promise.all([solver.present(base), solver.present(wild)]);
    assert.deepEqual(records.get("_acme-challenge.example.com")?.sort(), ["digest-one", "digest-two"]);
    await solver.cleanup(base);
    assert.deepEqual(records.get("_acme-challenge.example.com"), ["digest-two"]);
    await solver.cleanup(wild);
    assert.deepEqual(records.get("_acme-challenge.example.com"), []);
    await assert.rejects(solver.present({ ...base, type: "http-01" }), /The CA offers no dns-01 challenge/);
  });

  test("propagation-delay waits after adding a record", async () => {
    const solver = createDns01Solver({
      provider: { create: () => Promise.resolve(), delete: () => Promise.resolve() },
      propagationDelay: 200,
      logger,
    });
    const started = Date.now();
    await solver.present({ type: "dns-01", domain: "a.test", token: "t", keyAuthorization: "v" });
    assert.ok(Date.now() - started >= 190);
  });
});
