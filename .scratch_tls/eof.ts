import { connect as tlsConnect, createSecureContext, TLSSocket } from "node:tls";
import { connDuplex } from "../src/tls/duplex.ts";
import { SelfSignedCache } from "../src/tls/self_signed.ts";
import { memoryPair } from "../tests/helpers/memory_conn.ts";
const cert = new SelfSignedCache().get("conn.test");
const context = createSecureContext({ cert: cert.certPem, key: cert.keyPem });
for (const mode of ["close", "closeWrite", "tlsend"]) {
  const [a, b] = memoryPair();
  const duplex = connDuplex(a);
  const s = new TLSSocket(duplex, { isServer: true, secureContext: context });
  const cd = connDuplex(b);
  const client = tlsConnect({ socket: cd, servername: "conn.test", rejectUnauthorized: false });
  client.on("error", () => {});
  await Promise.all([new Promise((r) => s.once("secure", r)), new Promise((r) => client.once("secureConnect", r))]);
  const t0 = Date.now();
  for (const e of ["end", "close", "error", "data"]) s.on(e, (x: any) => console.log(mode, "server", e, x?.message ?? x?.length ?? "", Date.now() - t0));
  duplex.on("end", () => console.log(mode, "duplex end", Date.now() - t0));
  client.write("abc");
  await new Promise((r) => setTimeout(r, 50));
  if (mode === "close") b.close(); else if (mode === "closeWrite") b.closeWrite(); else client.end();
  await new Promise((r) => setTimeout(r, 300));
  console.log(mode, "--- destroyed", s.destroyed, "readableEnded", s.readableEnded);
  s.destroy(); client.destroy();
}
