/**
 * UDP on Bun: `Bun.udpSocket`, whose `data` callback hands over a fresh buffer per datagram (measured on
 * Bun 1.4), so datagrams reach the handler without a copy.
 *
 * @module
 */
import type { BunUdpSocket } from "./bun_types.d.ts";
import { bun } from "./runtime.ts";
import { type BindUdpOptions, type NetAddr, netAddr, type UdpHandler, type UdpSocket } from "../types.ts";
import { errorCode, hostPort, netError } from "../errors.ts";

/** A {@linkcode UdpSocket} over `Bun.udpSocket`. */
export class BunUdpSocketAdapter implements UdpSocket {
  #socket: BunUdpSocket | null = null;
  #addr: NetAddr = netAddr("0.0.0.0", 0);
  #onMessage: UdpHandler;
  #isClosed = false;

  /** Creates an unbound socket; {@linkcode bind} binds it. */
  constructor(onMessage: UdpHandler) {
    this.#onMessage = onMessage;
  }

  /** Binds; rejects with the runtime's error. */
  async bind(hostname: string, port: number): Promise<void> {
    const socket = await bun.udpSocket({
      hostname,
      port,
      binaryType: "uint8array",
      socket: {
        data: (_socket, data, fromPort, fromIp) => this.#deliver(data, fromPort, fromIp),
        error() {/* ICMP reports on the error queue: the datagram is lost, the socket is fine */},
      },
    });
    this.#socket = socket;
    this.#addr = netAddr(socket.address.address, socket.address.port);
  }

  /** The bound address. */
  get addr(): NetAddr {
    return this.#addr;
  }

  #deliver(data: Uint8Array, port: number, ip: string): void {
    if (this.#isClosed) return;
    try {
      this.#onMessage(data, netAddr(ip, port));
    } catch { /* a throwing handler must not break the socket */ }
  }

  /** Sends one datagram; `false` when Bun refused it (closed socket, too big, buffer full). */
  send(data: Uint8Array, to: NetAddr): boolean {
    if (this.#isClosed || this.#socket === null) return false;
    try {
      return this.#socket.send(data, to.port, to.ip);
    } catch {
      return false;
    }
  }

  /** Closes the socket; no more datagrams are delivered. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    try {
      this.#socket?.close();
    } catch { /* already closed */ }
  }
}

/** Binds a UDP socket; rejects with a message naming the address and the reason. */
export async function bindUdp(options: BindUdpOptions): Promise<UdpSocket> {
  const socket = new BunUdpSocketAdapter(options.onMessage);
  try {
    await socket.bind(options.hostname, options.port);
  } catch (error) {
    throw netError("Cannot bind UDP on", hostPort(options.hostname, options.port), errorCode(error), error);
  }
  return socket;
}
