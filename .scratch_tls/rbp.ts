import { connect as tlsConnect, createSecureContext, TLSSocket } from "node:tls";
import { connDuplex } from "../src/tls/duplex.ts";
import { TlsSocketConn } from "../src/tls/socket_conn.ts";
import { SelfSignedCache } from "../src/tls/self_signed.ts";
import { memoryPair } from "../tests/helpers/memory_conn.ts";
const cert = new SelfSignedCache().get("conn.test");
const context = createSecureContext({ cert: cert.certPem, key: cert.keyPem });
const [a, b] = memoryPair(65536);
const duplex = connDuplex(a);
const origPause = duplex.pauseReads.bind(duplex);
duplex.pauseReads = () => { console.log("pauseReads called"); origPause(); };
const s = new TLSSocket(duplex, { isServer: true, secureContext: context });
const cd = connDuplex(b);
const client = tlsConnect({ socket: cd, servername: "conn.test", rejectUnauthorized: false });
client.on("error", () => {});
await Promise.all([new Promise((r) => s.once("secure", r)), new Promise((r) => client.once("secureConnect", r))]);
const server = new TlsSocketConn(s, a, duplex);
let n = 0; s.on("data", (d: any) => n += d.length);
const chunk = new Uint8Array(16 * 1024).fill(9);
let q = 0;
for (let i = 0; i < 256; i++) if (!client.write(chunk)) q++;
for (let k = 0; k < 5; k++) {
  await new Promise((r) => setTimeout(r, 100));
  console.log("a.queued", (a as any).queued, "b.queued", (b as any).queued, "server data seen", n, "client writableLength", client.writableLength, "cd.writableLength", cd.writableLength, "s.readableLength", s.readableLength, "q", q);
}
process.exit(0);
