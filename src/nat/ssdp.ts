/**
 * SSDP search for an Internet Gateway Device (UPnP Device Architecture §1.3). The library's own search binds to
 * every interface and takes the first answer from anywhere; this one honours `--network-interface` (the
 * interfaces searched) and `--gateway` (whose answer counts).
 *
 * @module
 */
import { createSocket, type Socket } from "node:dgram";
import { localIpv4Addresses } from "./gateway.ts";
import { NatUnreachableError } from "./types.ts";

const GROUP = "239.255.255.250";
const PORT = 1900;
/** Search targets, IGDv1 first: an IGDv2 device must answer both. */
const TARGETS = [
  "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
  "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
];

/** An answer to the search. */
export interface SsdpAnswer {
  /** URL of the device description. */
  readonly location: string;
  /** Address the answer came from. */
  readonly gateway: string;
  /** Local address of the socket that got it (the internal client of mappings). */
  readonly localAddress: string;
}

/** Options for {@linkcode searchGateway}. */
export interface SsdpOptions {
  /** Only answers from this address count. */
  gateway?: string;
  /** Only search on this interface. */
  networkInterface?: string;
  /** Milliseconds to wait for an answer. @default 2000 */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * Multicasts an M-SEARCH for an Internet Gateway Device on every (or the named) IPv4 interface and resolves
 * with the first answer.
 *
 * @throws {NatUnreachableError} when nothing answers in time.
 * @throws {Error} when the named interface does not exist or has no IPv4 address.
 */
export async function searchGateway(options: SsdpOptions = {}): Promise<SsdpAnswer> {
  const timeout = options.timeout ?? 2000;
  const addresses = localIpv4Addresses(options.networkInterface);
  const sockets: Socket[] = [];
  let finish!: (answer: SsdpAnswer | Error) => void;
  const result = new Promise<SsdpAnswer | Error>((resolve) => finish = resolve);
  for (const address of addresses) {
    const socket = createSocket({ type: "udp4" });
    sockets.push(socket);
    socket.on("error", () => socket.close());
    socket.on("message", (msg, rinfo) => {
      const answer = parseAnswer(msg.toString("latin1"));
      if (answer === undefined) return;
      if (options.gateway !== undefined && rinfo.address !== options.gateway) return;
      finish({ location: answer, gateway: rinfo.address, localAddress: address });
    });
    socket.bind(0, address, () => {
      try {
        socket.setMulticastInterface(address);
      } catch { /* not every runtime has it; the route to the group then decides */ }
      send(socket);
      // SSDP is UDP: ask a second time in case the first datagram was lost.
      setTimeout(() => send(socket), 500);
    });
  }
  const timer = setTimeout(() => {
    const who = options.gateway ? `UPnP gateway "${options.gateway}"` : "UPnP gateway";
    const where = options.networkInterface
      ? `on "${options.networkInterface}"`
      : `from ${addresses.join(", ")}`;
    finish(new NatUnreachableError(`No ${who} answered the SSDP search ${where} within ${timeout} ms`));
  }, timeout);
  const onAbort = () => finish(options.signal!.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const outcome = await result;
  clearTimeout(timer);
  options.signal?.removeEventListener("abort", onAbort);
  for (const s of sockets) {
    try {
      s.close();
    } catch { /* already closed */ }
  }
  if (outcome instanceof Error) throw outcome;
  return outcome;
}

function send(socket: Socket): void {
  for (const target of TARGETS) {
    const query =
      `M-SEARCH * HTTP/1.1\r\nHOST: ${GROUP}:${PORT}\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ${target}\r\n\r\n`;
    try {
      socket.send(query, PORT, GROUP);
    } catch { /* socket closed meanwhile */ }
  }
}

/**
 * The LOCATION of an SSDP answer for an Internet Gateway Device, `undefined` for anything else.
 *
 * @example
 * parseAnswer("HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n" +
 *   "LOCATION: http://192.168.1.1:5000/rootDesc.xml\r\n\r\n"); // "http://192.168.1.1:5000/rootDesc.xml"
 */
export function parseAnswer(text: string): string | undefined {
  if (!text.startsWith("HTTP/1.1 200")) return undefined;
  const headers = new Map<string, string>();
  for (const line of text.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const st = headers.get("st") ?? "";
  if (!st.startsWith("urn:schemas-upnp-org:device:InternetGatewayDevice:")) return undefined;
  const location = headers.get("location");
  return location && /^https?:\/\//i.test(location) ? location : undefined;
}
