/**
 * UDP on Deno: `Deno.listenDatagram` (needs `--unstable-net`) with one receive loop per socket.
 *
 * @module
 */
import { type BindUdpOptions, type NetAddr, netAddr, type UdpHandler, type UdpSocket } from "../types.ts";
import { errorCode, hostPort, netError } from "../errors.ts";

/** Larger than any UDP payload (65507 bytes over IPv4, 65527 over IPv6 without jumbograms). */
const RECEIVE_SIZE = 65536;

/** Largest payloads of one datagram: Deno reports an oversized send only asynchronously, so check first. */
const MAX_IPV4_PAYLOAD = 65507;
const MAX_IPV6_PAYLOAD = 65527;
/** Consecutive receive errors after which the socket is considered broken and closed. */
const MAX_FAILURES = 1000;

function ignore(): void {}

/** A {@linkcode UdpSocket} over a `Deno.DatagramConn`. */
export class DenoUdpSocket implements UdpSocket {
  readonly addr: NetAddr;
  #socket: Deno.DatagramConn;
  #onMessage: UdpHandler;
  #isClosed = false;

  /** Wraps a bound socket and starts delivering datagrams to `onMessage`. */
  constructor(socket: Deno.DatagramConn, onMessage: UdpHandler) {
    this.#socket = socket;
    this.#onMessage = onMessage;
    const addr = socket.addr as Deno.NetAddr;
    this.addr = netAddr(addr.hostname, addr.port);
    this.#receiveLoop().catch(ignore);
  }

  /** Receives into one reused buffer and hands the handler an exact-size copy of each datagram. */
  async #receiveLoop(): Promise<void> {
    const buf = new Uint8Array(RECEIVE_SIZE);
    let failures = 0;
    while (!this.#isClosed) {
      let received: [Uint8Array, Deno.Addr];
      try {
        received = await this.#socket.receive(buf);
      } catch (error) {
        const code = errorCode(error);
        if (this.#isClosed || code === "EBADF" || code === "EINTR") return;
        // A per-datagram error (ICMP report) leaves the socket usable; an endless run of them does not.
        if (++failures > MAX_FAILURES) return this.close();
        continue;
      }
      failures = 0;
      if (this.#isClosed) return;
      const from = received[1] as Deno.NetAddr;
      try {
        this.#onMessage(received[0].slice(), netAddr(from.hostname, from.port));
      } catch { /* a throwing handler must not stop the socket */ }
    }
  }

  /** Queues one datagram; `false` when closed or oversized. A later send failure drops it silently. */
  send(data: Uint8Array, to: NetAddr): boolean {
    if (this.#isClosed) return false;
    if (data.length > (to.family === "ipv4" ? MAX_IPV4_PAYLOAD : MAX_IPV6_PAYLOAD)) return false;
    try {
      this.#socket.send(data, { transport: "udp", hostname: to.ip, port: to.port }).catch(ignore);
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the socket; the receive loop ends and no more datagrams are delivered. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    try {
      this.#socket.close();
    } catch { /* already closed */ }
  }
}

/** Binds a UDP socket; rejects with a message naming the address and the reason. */
export function bindUdp(options: BindUdpOptions): Promise<UdpSocket> {
  const { hostname, port, onMessage } = options;
  try {
    const socket = Deno.listenDatagram({ transport: "udp", hostname, port });
    return Promise.resolve(new DenoUdpSocket(socket, onMessage));
  } catch (error) {
    return Promise.reject(netError("Cannot bind UDP on", hostPort(hostname, port), errorCode(error), error));
  }
}
