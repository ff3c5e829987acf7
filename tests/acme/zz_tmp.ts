import { rfc2136Provider } from "../../src/acme/dns/mod.ts";
import { runtimeAdapter } from "../../src/net/mod.ts";
import { createLogger } from "../../src/logging/logger.ts";
const net = await runtimeAdapter();
const p = rfc2136Provider.create({ server: "127.0.0.1:15353", "key-name": "acme-key", "key-secret": "gjOZ2ko5QBIHXlc1YuGWlXn1jpBwTN7l27lisnGVh5c=" }, { net, logger: createLogger({level:"debug"}) });

await p.delete("_acme-challenge.dns.pmmux.test", "value-one");
console.log("created");
