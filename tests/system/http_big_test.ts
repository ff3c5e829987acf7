/**
 * http-proxy with 1 GiB bodies: a 1 GiB upload and a 1 GiB download streamed through an in-process pmmux to the
 * runtime's own HTTP server, with curl as the client; the test process's RSS must stay far below the body size.
 * Needs curl. Takes about 10-30 s per runtime.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawn } from "node:child_process";
import { startMux } from "../helpers/net.ts";
import { startUpstream } from "../helpers/http.ts";

const GIB = 1024 * 1024 * 1024;

function sh(command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
    child.stderr.setEncoding("utf8").on("data", (d: string) => err += d);
    child.on("close", (code) => {
      clearTimeout(timer);
      code === 0 ? resolve(out) : reject(new Error(`${command}: exit ${code}: ${err}`));
    });
  });
}

describe("http-proxy with 1 GiB bodies", () => {
  test("streams 1 GiB up and 1 GiB down with RSS far below the body size", async () => {
    const up = await startUpstream("big");
    const m = await startMux([`web:http-proxy:proxy.address=http://127.0.0.1:${up.port}`], {
      level: "information",
    });
    const mib = (n: number) => Math.round(n / 1048576);
    const start = process.memoryUsage().rss;
    let peak = start;
    const sampler = setInterval(() => peak = Math.max(peak, process.memoryUsage().rss), 50);
    try {
      let t = Date.now();
      const got = await sh(
        `head -c ${GIB} /dev/zero | curl -sS -T - http://127.0.0.1:${m.port}/count`,
        300000,
      );
      assert.equal(got, String(GIB));
      const upSeconds = (Date.now() - t) / 1000;
      const afterUpload = peak;
      t = Date.now();
      const size = await sh(
        `curl -sS -o /dev/null -w '%{size_download}' 'http://127.0.0.1:${m.port}/bytes?n=${GIB}'`,
        300000,
      );
      assert.equal(size, String(GIB));
      const downSeconds = (Date.now() - t) / 1000;
      console.log(
        `1 GiB through http-proxy: upload ${upSeconds.toFixed(1)} s, download ${downSeconds.toFixed(1)} s; ` +
          `RSS ${mib(start)} MiB at start, peak ${mib(afterUpload)} MiB after the upload, ${mib(peak)} MiB ` +
          `after the download (test process incl. upstream)`,
      );
      assert.ok(peak - start < GIB / 2, `RSS grew by ${mib(peak - start)} MiB for 1 GiB bodies`);
    } finally {
      clearInterval(sampler);
      await m.stop();
      await up.close();
    }
  });
});
