import { connect } from "node:tls";
const port = Number(process.argv[2]); const n = Number(process.argv[3] ?? 300); const v = process.argv[4] ?? "TLSv1.3";
const times: number[] = [];
for (let i = 0; i < n + 20; i++) {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, servername: "bench.test", rejectUnauthorized: false, minVersion: v as any, maxVersion: v as any });
    s.once("secureConnect", () => { if (i >= 20) times.push(performance.now() - t0); s.destroy(); resolve(); });
    s.once("error", reject);
  });
}
times.sort((a, b) => a - b);
const q = (p: number) => times[Math.floor(p * (times.length - 1))].toFixed(2);
console.log(`${v} n=${times.length} median ${q(0.5)} ms p90 ${q(0.9)} ms`);
