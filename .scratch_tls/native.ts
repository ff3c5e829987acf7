import { createServer } from "node:tls";
import { readFileSync } from "node:fs";
const kind = process.argv[2];
const c = kind === "ec" ? "ec" : "";
const srv = createServer({ cert: readFileSync(`/tmp/tlsx/${c}cert.pem`), key: readFileSync(`/tmp/tlsx/${c}key.pem`) }, (s) => { s.on("error", () => {}); });
srv.listen(19444, "127.0.0.1", () => console.log("PORT 19444"));
setTimeout(() => process.exit(0), 30000);
