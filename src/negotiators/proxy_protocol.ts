/**
 * PROXY protocol acceptance (SPEC §20.2): on a binding with `proxy-protocol=true`, every connection must
 * start with a v1 or v2 header from a sender listed in `proxy-protocol.trusted`. The header is parsed and
 * stripped, and the client address it states replaces the socket's for matching, logs and metrics.
 *
 * @module
 */
import type { ConnContext } from "../core/backend.ts";
import { FillUntil, type Preview } from "../core/preview.ts";
import { inRange, type IpRange, parseCidr } from "../matchers/ip.ts";
import { formatAddr } from "../net/types.ts";
import { MAX_HEADER_BYTES, parseProxyHeader, type ProxyHeader, TLV } from "../proxy/mod.ts";
import type { Logger } from "../logging/logger.ts";
import type { Negotiator } from "./types.ts";

/** Options for {@linkcode createProxyProtocolNegotiator}. */
export interface ProxyProtocolOptions {
  /** Senders allowed to state a client address; anyone else is refused. */
  readonly trusted: readonly IpRange[];
  /** Where refusals (information) and accepted headers (debug) are logged. */
  readonly logger: Logger;
  /** Longest header accepted. @default 536 */
  readonly maxHeaderBytes?: number;
}

const TEXT_TLVS: readonly [number, string][] = [
  [TLV.alpn, "proxy.alpn"],
  [TLV.authority, "proxy.authority"],
  [TLV.uniqueId, "proxy.unique-id"],
];
const dec = new TextDecoder();

/**
 * Creates the negotiator. It reads until a whole header is buffered (at most `maxHeaderBytes`, at most until
 * the selection deadline), then strips it and sets `proxy.version`, `proxy.command`, `proxy.transport`,
 * `proxy.address-family`, `proxy.peer-ip`/`-port` (the sender), and for a PROXY command with IP addresses
 * `proxy.source-ip`/`-port` and `proxy.destination-ip`/`-port`, which also replace `ctx.client` and
 * `socket.remote-ip`/`-port`. A LOCAL command (v2) or `UNKNOWN` (v1) keeps the socket's addresses.
 * v2 TLVs ALPN, authority and unique id become `proxy.alpn`, `proxy.authority`, `proxy.unique-id`.
 *
 * An untrusted sender, a missing, garbled or too long header, or a header not complete by the deadline
 * closes the connection with one warning line.
 */
export function createProxyProtocolNegotiator(options: ProxyProtocolOptions): Negotiator {
  const log = options.logger;
  const max = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  const refuse = (preview: Preview, ctx: ConnContext, why: string): null => {
    ctx.closeReason = "proxy-protocol";
    log.warn(`Connection ${ctx.id} from ${formatAddr(ctx.client)} refused: ${why}`);
    preview.conn.close();
    return null;
  };
  return {
    name: "proxy-protocol",
    async negotiate(preview, ctx, deadlineAt) {
      if (!options.trusted.some((r) => inRange(r, ctx.client.ip))) {
        return refuse(preview, ctx, `sender "${ctx.client.ip}" is not in proxy-protocol.trusted`);
      }
      let until: FillUntil | undefined;
      try {
        for (;;) {
          const r = parseProxyHeader(preview.bytes, max);
          if (r.status === "ok") {
            apply(r.header, ctx);
            preview.consume(r.length);
            if (log.enabled("debug")) log.debug(describe(ctx, r.header, r.length));
            return preview;
          }
          if (r.status === "invalid") return refuse(preview, ctx, r.reason);
          until ??= new FillUntil(preview, deadlineAt);
          const more = await until.fill();
          if (!more) {
            const why = preview.eof
              ? "closed before a complete PROXY header"
              : preview.exhausted
              ? `no complete PROXY header within ${preview.length} bytes`
              : `no complete PROXY header by the selection deadline (${preview.length} bytes)`;
            return refuse(preview, ctx, why);
          }
        }
      } finally {
        until?.stop();
      }
    },
  };
}

/**
 * Reads the PROXY parameters of a port binding: `proxy-protocol=true` needs `proxy-protocol.trusted=<cidr;...>`
 * (`0.0.0.0/0;::/0` trusts everyone). Returns the negotiators of the binding (none without
 * `proxy-protocol=true`). Throws RangeError naming the parameter and the value.
 */
export function bindingNegotiators(params: Readonly<Record<string, string>>, logger: Logger): Negotiator[] {
  let enabled = "false";
  let trusted: string | undefined;
  for (const [k, v] of Object.entries(params)) {
    const key = k.toLowerCase();
    if (key === "proxy-protocol") enabled = v.trim().toLowerCase();
    if (key === "proxy-protocol.trusted") trusted = v;
  }
  if (enabled !== "true") return [];
  const ranges = (trusted ?? "").split(";").map((s) => s.trim()).filter((s) => s !== "");
  if (ranges.length === 0) {
    throw new RangeError(
      `proxy-protocol=true needs proxy-protocol.trusted=<cidr;...>: the senders allowed to state a client address (0.0.0.0/0;::/0 trusts everyone)`,
    );
  }
  const parsed = ranges.map((r) => {
    try {
      return parseCidr(r);
    } catch (err) {
      throw new RangeError(`proxy-protocol.trusted "${trusted}": ${(err as Error).message}`, { cause: err });
    }
  });
  return [createProxyProtocolNegotiator({ trusted: parsed, logger })];
}

function apply(h: ProxyHeader, ctx: ConnContext): void {
  const p = ctx.props;
  p.set("proxy.version", String(h.version));
  p.set("proxy.command", h.command);
  p.set("proxy.transport", h.transport);
  p.set(
    "proxy.address-family",
    h.family === "ipv4" ? "internetwork" : h.family === "ipv6" ? "internetworkv6" : h.family,
  );
  p.set("proxy.peer-ip", ctx.client.ip);
  p.set("proxy.peer-port", String(ctx.client.port));
  for (const [type, key] of TEXT_TLVS) {
    const t = h.tlvs.find((x) => x.type === type);
    if (t) p.set(key, dec.decode(t.value));
  }
  if (h.command !== "proxy" || !h.source || !h.destination) return;
  p.set("proxy.source-ip", h.source.ip);
  p.set("proxy.source-port", String(h.source.port));
  p.set("proxy.destination-ip", h.destination.ip);
  p.set("proxy.destination-port", String(h.destination.port));
  p.set("socket.remote-ip", h.source.ip);
  p.set("socket.remote-port", String(h.source.port));
  ctx.client = h.source;
}

function describe(ctx: ConnContext, h: ProxyHeader, length: number): string {
  const addrs = h.source && h.destination
    ? `client ${formatAddr(h.source)} -> ${formatAddr(h.destination)}`
    : `${h.command}, socket addresses kept`;
  return `Connection ${ctx.id} from ${
    ctx.props.get("proxy.peer-ip")
  }: PROXY v${h.version} (${length} bytes): ${addrs}`;
}
