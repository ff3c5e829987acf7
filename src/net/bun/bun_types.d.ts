/**
 * The few `Bun.*` socket APIs the Bun adapter uses, declared by hand so `deno check` can type it without
 * installing `bun-types`. Shapes follow Bun 1.x; only what `src/net/bun/` calls is declared.
 *
 * @module
 */

/** A TCP socket from `Bun.listen` or `Bun.connect`; `data` is the per-socket context. */
export interface BunSocket<Data> {
  data: Data;
  // Each address getter is a system call (getpeername/getsockname); once the socket closed, an address not
  // read before is null (Bun 1.4).
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Writes what the kernel takes now; returns the byte count, or -1 when closed. Keeps no remainder. */
  write(data: Uint8Array): number;
  /** Without an argument: sends FIN, reading goes on. */
  shutdown(halfClose?: boolean): void;
  /** Graceful close of both directions (FIN); the `close` handler runs synchronously. */
  end(): void;
  /** Abortive close (RST). */
  terminate(): void;
  pause(): void;
  resume(): void;
}

/** Callbacks shared by every socket of a listener or a connect call. */
export interface BunSocketHandler<Data> {
  /** Type of the `data` chunks. @default "buffer" */
  binaryType?: "buffer" | "arraybuffer" | "uint8array";
  open?(socket: BunSocket<Data>): void;
  data?(socket: BunSocket<Data>, chunk: Uint8Array): void;
  drain?(socket: BunSocket<Data>): void;
  end?(socket: BunSocket<Data>): void;
  close?(socket: BunSocket<Data>, error?: Error): void;
  error?(socket: BunSocket<Data>, error: Error): void;
  connectError?(socket: BunSocket<Data>, error: Error): void;
}

/** Options shared by `Bun.listen` and `Bun.connect`. */
export interface BunTcpOptions<Data> {
  hostname: string;
  port: number;
  allowHalfOpen?: boolean;
  data?: Data;
  socket: BunSocketHandler<Data>;
}

/** A listening socket. */
export interface BunListener {
  readonly hostname: string;
  readonly port: number;
  /** Fills `out` with the bound address. */
  getsockname(out: { family?: string; address?: string; port?: number }): void;
  /** Stops listening; `true` also closes the established sockets. */
  stop(closeActiveConnections?: boolean): void;
}

/** A bound UDP socket. */
export interface BunUdpSocket {
  readonly address: { address: string; family: string; port: number };
  /** Returns false when the datagram was not queued; throws on some errors (EMSGSIZE, closed socket). */
  send(data: Uint8Array, port: number, address: string): boolean;
  close(): void;
}

/** Options of `Bun.udpSocket`. */
export interface BunUdpOptions {
  hostname?: string;
  port?: number;
  binaryType?: "buffer" | "arraybuffer" | "uint8array";
  socket?: {
    data?(socket: BunUdpSocket, data: Uint8Array, port: number, address: string): void;
    error?(this: BunUdpSocket, error: Error): void;
  };
}

/** The part of the Bun global the adapter uses (reached through `bun` in `runtime.ts`, no global augmentation). */
export interface BunApi {
  listen<Data>(options: BunTcpOptions<Data>): BunListener;
  connect<Data>(options: BunTcpOptions<Data>): Promise<BunSocket<Data>>;
  udpSocket(options: BunUdpOptions): Promise<BunUdpSocket>;
}
