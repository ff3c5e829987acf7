import { SelfSignedCache } from "../src/tls/self_signed.ts";
const c = new SelfSignedCache();
let t = performance.now(); c.get("warm.example"); console.log("first", (performance.now() - t).toFixed(1));
for (let k = 0; k < 3; k++) { t = performance.now(); for (let i = 0; i < 20; i++) c.get(`x${k}-${i}.example`); console.log("each", ((performance.now() - t) / 20).toFixed(1)); }
