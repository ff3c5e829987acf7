/**
 * `bittorrent-pass` (SPEC §10): a `pass` that only takes BitTorrent. TCP: the peer handshake, decided after
 * 20 bytes. UDP: uTP packets, UDP tracker connect requests and DHT KRPC messages (the `bittorrent` detector);
 * the announce and scrape requests that follow a connect ride its session, and also match on a new session
 * while the connection id the tracker issued to that client address is fresh (BEP 15: two minutes).
 *
 * @module
 */
import type { BackendHandler, BackendProtocol, UdpSessionContext } from "./types.ts";
import type { ProbeInput, Verdict } from "../core/backend.ts";
import { bittorrent } from "../detect/bittorrent.ts";
import { pass } from "./pass.ts";

/** How long a tracker's connection id stays valid (BEP 15 servers accept it for two minutes). */
const CONNECTION_ID_MS = 120_000;
/** Connection ids remembered per backend (oldest forgotten first). */
const MAX_CONNECTION_IDS = 4096;

/** The bittorrent-pass protocol: `pass`'s parameters, health check and relaying, BitTorrent traffic only. */
export const bittorrentPass: BackendProtocol = {
  name: "bittorrent-pass",
  transports: ["tcp", "udp"],
  defaultTier: "normal",
  params: pass.params,
  create(spec, transport, services) {
    const inner = pass.create(spec, transport, services);
    if (transport === "tcp") {
      return { ...inner, probe: (input: ProbeInput): Verdict => bittorrent.detect(input.bytes, "tcp") };
    }
    return udpHandler(inner);
  },
};

function udpHandler(inner: BackendHandler): BackendHandler {
  const ids = new Map<string, number>();
  return {
    ...inner,
    probe(input) {
      if (bittorrent.detect(input.bytes, "udp") === "match") return "match";
      const key = trackerRequestKey(input.bytes, input.props.get("socket.remote-ip") ?? "");
      if (key === undefined) return "no";
      const until = ids.get(key);
      return until !== undefined && until > Date.now() ? "match" : "no";
    },
    openUdp(ctx: UdpSessionContext) {
      const client = ctx.writer.client;
      // Learn the connection ids the tracker hands out, from its connect responses to this client.
      const writer = {
        client,
        send(data: Uint8Array): boolean {
          if (data.length === 16 && u32(data, 0) === 0) {
            const key = `${client.ip}|${hex(data, 8, 16)}`;
            ids.delete(key);
            ids.set(key, Date.now() + CONNECTION_ID_MS);
            if (ids.size > MAX_CONNECTION_IDS) ids.delete(ids.keys().next().value!);
          }
          return ctx.writer.send(data);
        },
      };
      return inner.openUdp!({
        props: ctx.props,
        local: ctx.local,
        touch: () => ctx.touch(),
        failed: () => ctx.failed(),
        writer,
      });
    },
  };
}

/**
 * The key of a BEP 15 announce (action 1, ≥ 98 bytes) or scrape (action 2, 16 + 20·n bytes) request: the
 * client address and the connection id; `undefined` for anything else.
 */
function trackerRequestKey(b: Uint8Array, clientIp: string): string | undefined {
  if (b.length < 16) return undefined;
  const action = u32(b, 8);
  const announce = action === 1 && b.length >= 98;
  const scrape = action === 2 && b.length >= 36 && (b.length - 16) % 20 === 0;
  return announce || scrape ? `${clientIp}|${hex(b, 0, 8)}` : undefined;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function hex(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}
