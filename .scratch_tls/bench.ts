import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createTlsNegotiator } from "../src/negotiators/tls.ts";
import { CertificateStore } from "../src/tls/store.ts";
import { parseCertificateSpec } from "../src/config/tls_spec.ts";
import { createLogger } from "../src/logging/logger.ts";
import { startMux } from "../tests/helpers/net.ts";
import { runtimeName } from "../src/net/mod.ts";
const kind = process.argv[2] ?? "ec";
const cert = `/tmp/tlsx/${kind === "ec" ? "eccert" : "cert"}.pem`, key = `/tmp/tlsx/${kind === "ec" ? "eckey" : "key"}.pem`;
const store = new CertificateStore();
store.addCertificate(parseCertificateSpec(`default:path=${cert},key=${key}`));
const tls = createTlsNegotiator({}, { store, logger: createLogger({ level: "warning" }) });
const m = await startMux(["e:echo"], { negotiators: [tls], level: "information" });
function sTime(port: number, secs: number, extra: string[] = []) {
  return new Promise<string>((resolve) => {
    const c = spawn("openssl", ["s_time", "-connect", `127.0.0.1:${port}`, "-new", "-time", String(secs), ...extra]);
    let out = ""; c.stdout.on("data", (d) => out += d); c.stderr.on("data", (d) => out += d);
    c.on("exit", () => resolve(out));
  });
}
const line = (o: string) => (o.match(/(\d+) connections in ([\d.]+) real seconds/) ?? []).slice(1).join(" conns in ") + "s";
const port = Number(process.argv[3] ?? m.port);
for (const v of ["-tls1_3", "-tls1_2"]) {
  const t0 = Date.now();
  const out = await sTime(port, 8, [v]);
  const secs = (Date.now() - t0) / 1000;
  const mm = out.match(/(\d+) connections in ([\d.]+) real/);
  if (!mm) { console.log("FAILED", out.slice(0, 500)); continue; }
  const n = Number(mm[1]);
  console.log(runtimeName(), kind, v, port === m.port ? "pmmux" : "direct", n, "conns in", secs.toFixed(1), "s =>", (n / secs).toFixed(0), "handshakes/s,", (1000 * secs / n).toFixed(2), "ms each");
}
await m.stop();
process.exit(0);
