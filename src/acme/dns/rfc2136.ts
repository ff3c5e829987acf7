/**
 * The `rfc2136` DNS provider: TSIG-signed dynamic updates (RFC 2136, RFC 8945) over TCP to the zone's primary
 * server, the way `nsupdate` does it. Each TXT value is added to or deleted from its RRset alone, so the
 * values of `example.com` and `*.example.com` coexist. The zone is the `zone=` parameter, else found by
 * trying the record's name and then each parent until the server stops answering NOTAUTH/NOTZONE.
 *
 * @module
 */
import { randomInt } from "node:crypto";
import type { Conn, NetAdapter } from "../../net/types.ts";
import { parseTsigKey, signMessage, type TsigKey, verifyAnswer } from "./tsig.ts";
import { type DnsProvider, type DnsProviderFactory, requireParam, secondsParam } from "./types.ts";
import { addTxt, buildUpdate, deleteTxt, rcodeName, readHeader, type UpdateRecord } from "./wire.ts";

/** TTL of the challenge records, seconds. */
const TTL = 60;
const NOTAUTH = 9;
const NOTZONE = 10;

/** Where to send updates. */
export interface DnsServer {
  readonly hostname: string;
  readonly port: number;
}

/**
 * Parses `host`, `host:port`, `[v6]:port` or a bare IPv6 address; the port defaults to 53.
 *
 * @throws {RangeError} for an empty host or a bad port
 */
export function parseDnsServer(text: string): DnsServer {
  const t = text.trim();
  let hostname = t;
  let port = "53";
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) {
    hostname = v6[1];
    port = v6[2] ?? "53";
  } else if (t.split(":").length === 2) {
    [hostname, port] = t.split(":");
  }
  const n = Number(port);
  if (hostname === "" || !/^\d+$/.test(port) || n < 1 || n > 65535) {
    throw new RangeError(`Invalid server "${text}": expected host, host:port or [ipv6]:port`);
  }
  return { hostname, port: n };
}

/** Options of {@linkcode createRfc2136Provider}. */
export interface Rfc2136Options {
  readonly server: DnsServer;
  readonly key: TsigKey;
  /** The zone to update; found by asking the server when absent. */
  readonly zone?: string;
  /** ms allowed for one exchange. @default 10000 */
  readonly timeout?: number;
}

/**
 * Creates the provider.
 *
 * @example
 * ```ts
 * const dns = createRfc2136Provider(
 *   { server: parseDnsServer("127.0.0.1:5353"), key: parseTsigKey("acme", "hmac-sha256", secret) },
 *   { net },
 * );
 * await dns.create("_acme-challenge.example.com", "gfj9Xq...Rg85nM");
 * ```
 */
export function createRfc2136Provider(
  options: Rfc2136Options,
  services: { net: NetAdapter; now?: () => number },
): DnsProvider {
  const now = services.now ?? Date.now;
  const timeout = options.timeout ?? 10000;
  const where = `${options.server.hostname}:${options.server.port}`;
  const zones = new Map<string, string>();

  async function send(zone: string, record: UpdateRecord): Promise<number> {
    const id = randomInt(0x10000);
    const signed = signMessage(buildUpdate(id, zone, [record]), options.key, now());
    const answer = await exchange(services.net, options.server, signed.message, timeout);
    const header = readHeader(answer);
    if (header.id !== id || !header.response) throw new Error(`DNS server ${where} answered another message`);
    const verified = verifyAnswer(answer, options.key, signed.mac, now());
    if (verified.tsigError !== 0) {
      throw new Error(
        `DNS server ${where} refused the TSIG key "${options.key.name}": ${rcodeName(verified.tsigError)}`,
      );
    }
    return verified.rcode;
  }

  async function update(name: string, record: UpdateRecord, what: string): Promise<void> {
    const known = options.zone ?? zones.get(name);
    const candidates = known !== undefined ? [known] : parents(name);
    for (const zone of candidates) {
      const rcode = await send(zone, record);
      if (rcode === 0) {
        zones.set(name, zone);
        return;
      }
      if ((rcode !== NOTAUTH && rcode !== NOTZONE) || known !== undefined) {
        throw new Error(
          `DNS update (${what} "${name}" in zone "${zone}") at ${where} failed: ${rcodeName(rcode)}`,
        );
      }
    }
    throw new Error(`DNS server ${where} is not authoritative for any zone of "${name}"`);
  }

  return {
    create: (name, value) => update(name, addTxt(name, value, TTL), "add TXT"),
    delete: (name, value) => update(name, deleteTxt(name, value), "delete TXT"),
  };
}

/** `a.b.example.com` → `a.b.example.com`, `b.example.com`, `example.com`, `com`. */
function parents(name: string): string[] {
  const labels = name.replace(/\.$/, "").split(".");
  return labels.map((_, i) => labels.slice(i).join("."));
}

/** Sends one message over TCP (two-byte length prefix) and reads one answer. */
async function exchange(
  net: NetAdapter,
  server: DnsServer,
  message: Uint8Array,
  ms: number,
): Promise<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let conn: Conn | undefined;
  const where = `${server.hostname}:${server.port}`;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      conn?.close();
      reject(new Error(`DNS server ${where} did not answer within ${ms} ms`));
    }, ms);
  });
  const talk = async () => {
    conn = await net.connectTcp({ hostname: server.hostname, port: server.port });
    const framed = new Uint8Array(message.length + 2);
    framed[0] = message.length >>> 8;
    framed[1] = message.length & 0xff;
    framed.set(message, 2);
    await conn.write(framed);
    let got = new Uint8Array(0);
    for (;;) {
      if (got.length >= 2 && got.length >= 2 + ((got[0] << 8) | got[1])) {
        return got.slice(2, 2 + ((got[0] << 8) | got[1]));
      }
      const chunk = await conn.read();
      if (chunk === null) throw new Error(`DNS server ${where} closed the connection without an answer`);
      const next = new Uint8Array(got.length + chunk.length);
      next.set(got);
      next.set(chunk, got.length);
      got = next;
    }
  };
  try {
    return await Promise.race([talk(), expired]);
  } finally {
    clearTimeout(timer);
    conn?.close();
  }
}

/**
 * `provider=rfc2136,server=<host>[,port=53],key-name=<name>,key-secret="<base64>"[,key-algorithm=hmac-sha256]
 * [,zone=<zone>][,timeout=<seconds, default 10>]`. `server` may also be `"host:port"` (quoted, as a value
 * with `:` must be in a spec string); a base64 secret ending in `=` must be quoted too.
 */
export const rfc2136Provider: DnsProviderFactory = {
  name: "rfc2136",
  keys: ["server", "port", "key-name", "key-algorithm", "key-secret", "zone", "timeout"],
  create(params, services): DnsProvider {
    let server = parseDnsServer(requireParam(params, "server", "rfc2136"));
    const port = params.port?.trim();
    if (port) {
      if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
        throw new RangeError(`Invalid port "${port}": expected 1 to 65535`);
      }
      server = { hostname: server.hostname, port: Number(port) };
    }
    const key = parseTsigKey(
      requireParam(params, "key-name", "rfc2136"),
      params["key-algorithm"]?.trim() || "hmac-sha256",
      requireParam(params, "key-secret", "rfc2136"),
    );
    const zone = params.zone?.trim().replace(/\.$/, "") || undefined;
    return createRfc2136Provider(
      { server, key, zone, timeout: secondsParam(params, "timeout", 10) },
      services,
    );
  },
};
