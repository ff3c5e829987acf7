/**
 * The web UI in Debian's chromium through playwright-core (system tier; never downloads a browser). One test runs
 * the real `pmmux` command with `--management-ui-enable` and a token and drives the backends page; the other
 * serves a populated in-process pmmux and saves a screenshot of every page at 1280×800 and 390×844 under
 * `.test-artifacts/ui/`. Run with `deno test -A --unstable-net tests/system/ui_test.ts` (or `bun test`).
 *
 * @module
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import type { CertificateMapping, CertificateSpec } from "../../src/config/spec.ts";
import { parseHealthCheckSpec } from "../../src/config/spec.ts";
import { serveManagement, type TlsMappingInfo, type TlsProvider } from "../../src/management/mod.ts";
import { PortMapManager } from "../../src/nat/mod.ts";
import { systemClock } from "../../src/nat/clock.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { exchange, namedEcho, net, startMux, type TestServer } from "../helpers/net.ts";
import { FakeNatClient } from "../nat/fakes.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ARTIFACTS = fileURLToPath(new URL("../../.test-artifacts/ui/", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const RUNTIME_ARGS = process.versions.bun !== undefined ? [MAIN] : ["run", "-A", "--unstable-net", MAIN];
const SIZES = [{ width: 1280, height: 800 }, { width: 390, height: 844 }] as const;
const PAGES = ["backends", "health", "listeners", "port-forwarding", "tls", "traffic"] as const;

const unavailable = existsSync(CHROMIUM)
  ? undefined
  : `chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
if (unavailable) console.log(`tests/system/ui_test.ts skipped: ${unavailable}`);

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const l = await (await net()).listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

async function waitHttp(url: string, ms: number, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`pmmux exited with ${child.exitCode}: ${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms: ${log()}`);
}

/** Saves what the viewport shows and the whole page. */
async function shoot(page: Page, name: string, size: { width: number; height: number }): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}-${size.width}x${size.height}.png`) });
  await page.screenshot({
    path: join(ARTIFACTS, `${name}-${size.width}x${size.height}-full.png`),
    fullPage: true,
  });
}

/** Opens a page (by hash) and waits until its first refresh drew something. */
async function open(page: Page, base: string, id: string): Promise<void> {
  await page.goto(`${base}/#${id}`);
  await page.waitForSelector(`#page-${id} .card table, #page-${id} .card .empty, #page-${id} .placeholder`);
  await page.waitForTimeout(300);
}

/** An in-memory TLS provider with the documented error convention. */
class MemoryTls implements TlsProvider {
  certs: { name: string; subject: string; hostnames: string[]; notAfter: string; source: string }[] = [];
  maps: TlsMappingInfo[] = [];
  listCertificates() {
    return this.certs;
  }
  addCertificate(spec: CertificateSpec) {
    if (this.certs.some((c) => c.name === spec.name)) {
      throw new RangeError(`Duplicate certificate "${spec.name}"`);
    }
    const c = {
      name: spec.name,
      subject: `${spec.name}.example.com`,
      hostnames: [`${spec.name}.example.com`],
      notAfter: "2027-03-01T00:00:00Z",
      source: "file",
    };
    this.certs.push(c);
    return c;
  }
  removeCertificate(name: string) {
    const n = this.certs.length;
    this.certs = this.certs.filter((c) => c.name !== name);
    return this.certs.length < n;
  }
  listMappings() {
    return this.maps;
  }
  addMapping(m: CertificateMapping) {
    this.maps.push({ certificate: m.certificate, hostname: m.hostname });
  }
  removeMapping(m: TlsMappingInfo) {
    const n = this.maps.length;
    this.maps = this.maps.filter((x) => x.hostname !== m.hostname);
    return this.maps.length < n;
  }
}

describe("web UI in chromium", { skip: unavailable ?? false }, () => {
  let browser: Browser;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, { timeout: 60000 });

  after(async () => {
    await browser?.close();
  });

  test(
    "pmmux --management-ui-enable: the token is asked once, a backend is added through the form, shows its status, and is deleted",
    {
      timeout: 120000,
    },
    async () => {
      const echo = await namedEcho("ui");
      const port = await freePort();
      const cwd = mkdtempSync(join(tmpdir(), "pmmux-ui-"));
      const child = spawn(process.execPath, [
        ...RUNTIME_ARGS,
        "-b",
        "web:echo",
        "-z",
        "interval=200,recovery-threshold=1",
        "--management-enable",
        "--management-ui-enable",
        "--management-port",
        String(port),
        "--management-token",
        "ui-token",
      ], { cwd, stdio: ["ignore", "pipe", "pipe"] });
      let log = "";
      child.stdout!.on("data", (d) => log += d);
      child.stderr!.on("data", (d) => log += d);
      const base = `http://127.0.0.1:${port}`;
      const context = await browser.newContext({ viewport: SIZES[0] });
      try {
        await waitHttp(`${base}/healthz`, 30000, child, () => log);
        const page = await context.newPage();
        await page.goto(`${base}/`);
        await page.waitForSelector("#token-dialog[open]");
        await page.fill("#token-input", "wrong");
        await page.click("#token-form button[type=submit]");
        await page.waitForSelector("#token-dialog[open]");
        assert.match(await page.textContent("#token-hint") ?? "", /not accepted/);
        await page.fill("#token-input", "ui-token");
        await page.click("#token-form button[type=submit]");
        await page.waitForSelector("#page-backends td:has-text('web')");

        const form = page.locator("#backend-form");
        await form.locator("[name=name]").fill("added");
        await form.locator("[name=protocol]").fill("nosuch");
        await form.locator("button[type=submit]").click();
        await page.waitForSelector("#notice.error:not([hidden])");
        assert.match(
          await page.textContent("#notice") ?? "",
          /Unknown protocol "nosuch" for backend "added"/,
        );

        await form.locator("[name=protocol]").fill("pass");
        await form.locator("[name=networkProtocol]").selectOption("Tcp");
        await form.locator("[name=parameters]").fill(`target.ip=127.0.0.1\ntarget.port=${echo.port}`);
        await form.locator("button[type=submit]").click();
        const row = page.locator("#page-backends tr", {
          has: page.locator("td strong", { hasText: /^added$/ }),
        });
        await row.waitFor();
        await row.locator(".badge-healthy").waitFor({ timeout: 10000 });
        assert.equal(await row.locator(".badge").textContent(), "Healthy");
        const listed = await (await fetch(`${base}/api/backends?networkProtocol=Tcp`, {
          headers: { authorization: "Bearer ui-token" },
        })).json();
        assert.deepEqual(listed.map((b: { spec: { name: string } }) => b.spec.name), ["web", "added"]);

        await row.locator("button", { hasText: "Edit" }).click();
        assert.equal(await form.locator("[name=name]").inputValue(), "added");
        await form.locator("[name=parameters]").fill(
          `target.ip=127.0.0.1\ntarget.port=${echo.port}\npriority=vip`,
        );
        await form.locator("button[type=submit]", { hasText: "Replace" }).click();
        await row.locator("td[data-label=Tier]", { hasText: "Vip" }).waitFor();
        assert.match(await page.textContent("#notice") ?? "", /Backend “added” replaced/);

        await page.reload();
        await page.waitForSelector("#page-backends td:has-text('added')");
        assert.equal(await page.isVisible("#token-dialog[open]"), false, "the token is kept for the session");

        await row.locator("button", { hasText: "Remove" }).click();
        await row.locator("button", { hasText: "Confirm" }).click();
        await row.waitFor({ state: "detached", timeout: 10000 });
        const after = await (await fetch(`${base}/api/backends?networkProtocol=Tcp`, {
          headers: { authorization: "Bearer ui-token" },
        })).json();
        assert.deepEqual(after.map((b: { spec: { name: string } }) => b.spec.name), ["web"]);

        for (const size of SIZES) {
          await page.setViewportSize(size);
          for (const id of ["port-forwarding", "tls"]) {
            await open(page, base, id);
            await shoot(page, `${id}-disabled`, size);
          }
        }
        assert.ok(await page.isVisible("#tls-disabled"));
      } finally {
        await context.close();
        child.kill("SIGTERM");
        await new Promise((r) => child.exitCode !== null ? r(null) : child.once("exit", r));
        rmSync(cwd, { recursive: true, force: true });
        echo.close();
      }
    },
  );

  test("every page renders tidily at 1280×800 and 390×844 (screenshots in .test-artifacts/ui/)", {
    timeout: 120000,
  }, async () => {
    const echoes: TestServer[] = [await namedEcho("web"), await namedEcho("api")];
    const mux = await startMux([
      `web:pass:target.ip=127.0.0.1,target.port=${echoes[0].port}`,
      `api:pass:priority=vip,detect=http,target.ip=127.0.0.1,target.port=${echoes[1].port}`,
      `ssh:pass:detect=ssh,target.ip=127.0.0.1,target.port=1`,
      "dns:echo:detect=dns",
      "rest:noop",
    ], {
      level: "information",
      transports: ["tcp", "udp"],
      healthChecks: [
        parseHealthCheckSpec("pass:interval=300,timeout=500,failure-threshold=1,recovery-threshold=1"),
      ],
    });
    mux.app.health.sync();
    const nat = new FakeNatClient(systemClock);
    const portMaps = new PortMapManager({
      bindings: [],
      client: () => nat,
      logger: createLogger({ level: "none" }),
      metrics: createMetrics(),
    });
    await portMaps.add({ networkProtocol: "Tcp", localPort: mux.port, publicPort: 443 });
    await portMaps.add({ networkProtocol: "Udp", localPort: mux.udpPort, publicPort: 53 });
    const tls = new MemoryTls();
    tls.addCertificate({ spec: "", name: "site", path: "/etc/tls/site.pem" });
    tls.addCertificate({ spec: "", name: "default", path: "/etc/tls/default.pem" });
    tls.addMapping({ spec: "", certificate: "site", hostname: "*.example.com" });
    tls.addMapping({ spec: "", certificate: "site", hostname: "example.com" });
    const server = await serveManagement(await net(), { app: mux.app, ui: true, tls, portMaps }, {
      hostname: "127.0.0.1",
      port: 0,
    });
    const base = `http://127.0.0.1:${server.addr.port}`;
    let traffic = true;
    const load = (async () => {
      while (traffic) {
        await exchange(mux.port, "x".repeat(2000)).catch(() => {});
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 800));
      for (const size of SIZES) {
        const context = await browser.newContext({ viewport: size });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
        for (const id of PAGES) {
          await open(page, base, id);
          if (id === "traffic") await page.waitForTimeout(4500);
          // A string, so the test compiles without the DOM library.
          const overflow: number = await page.evaluate("document.documentElement.scrollWidth - innerWidth");
          assert.ok(overflow <= 0, `${id} at ${size.width}px overflows by ${overflow}px`);
          await shoot(page, id, size);
        }
        assert.deepEqual(errors, [], "no script errors");
        await context.close();
      }
      assert.ok(existsSync(join(ARTIFACTS, "traffic-390x844.png")));
    } finally {
      traffic = false;
      await load;
      await server.close();
      await portMaps.stop();
      await mux.stop();
      for (const e of echoes) e.close();
    }
  });
});
