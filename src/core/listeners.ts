/**
 * Listeners (SPEC §3): TCP accept loops and UDP sockets feeding the routers; added and removed at run time.
 * Removing a listener stops accepting; established relays continue.
 *
 * @module
 */
import type { ListenerContext, TcpRouter } from "./router.ts";
import type { UdpRouter } from "./udp_router.ts";
import type { Transport } from "./backend.ts";
import {
  type Conn,
  formatAddr,
  type NetAdapter,
  type NetAddr,
  type TcpListener,
  type UdpSocket,
} from "../net/types.ts";
import type { Negotiator } from "../negotiators/types.ts";
import type { Logger } from "../logging/logger.ts";

/** What to open. */
export interface ListenerSpec {
  readonly transport: Transport;
  /** Bind address (`0.0.0.0`, `::`, `127.0.0.1`). */
  readonly hostname: string;
  /** Port; 0 picks a free one (tests). */
  readonly port: number;
  /** Negotiators for connections of this listener (PROXY-protocol acceptance). @default [] */
  readonly negotiators?: readonly Negotiator[];
}

/** An open listener. */
export interface OpenListener {
  readonly id: number;
  readonly transport: Transport;
  /** The bound address (real port). */
  readonly addr: NetAddr;
  readonly spec: ListenerSpec;
}

interface Live extends OpenListener {
  close(): void;
}

/** Options for {@linkcode Listeners}. */
export interface ListenersOptions {
  net: NetAdapter;
  tcp: TcpRouter;
  udp: UdpRouter;
  /** Listen backlog (`--queue-length`). @default 100 */
  backlog?: number;
  logger: Logger;
}

/** The set of open listeners. */
export class Listeners {
  #o: ListenersOptions;
  #live = new Map<number, Live>();
  #nextId = 0;
  /** Connections being handled, and who waits for none (a count: see `src/net/live_list.ts` on `Set`s). */
  #handling = 0;
  #drained: PromiseWithResolvers<void> | null = null;
  #handled = () => {
    if (--this.#handling === 0 && this.#drained !== null) {
      this.#drained.resolve();
      this.#drained = null;
    }
  };

  constructor(options: ListenersOptions) {
    this.#o = options;
  }

  /** Open listeners, in opening order. */
  list(): OpenListener[] {
    return [...this.#live.values()].map(({ id, transport, addr, spec }) => ({ id, transport, addr, spec }));
  }

  /** Settles when every connection accepted so far has finished. */
  drained(): Promise<void> {
    if (this.#handling === 0) return Promise.resolve();
    this.#drained ??= Promise.withResolvers<void>();
    return this.#drained.promise;
  }

  /**
   * Opens a listener. Rejects with an Error naming the address and the reason (e.g. address in use).
   */
  async open(spec: ListenerSpec): Promise<OpenListener> {
    const id = ++this.#nextId;
    const where = `${spec.transport.toUpperCase()} ${
      formatAddr({
        ip: spec.hostname,
        port: spec.port,
        family: spec.hostname.includes(":") ? "ipv6" : "ipv4",
      })
    }`;
    let live: Live;
    try {
      live = spec.transport === "tcp" ? await this.#openTcp(id, spec) : await this.#openUdp(id, spec);
    } catch (err) {
      throw new Error(`Cannot listen on ${where}: ${(err as Error).message}`, { cause: err });
    }
    this.#live.set(id, live);
    this.#o.logger.info(`Listening on ${live.transport.toUpperCase()} ${formatAddr(live.addr)}`);
    return { id, transport: live.transport, addr: live.addr, spec };
  }

  /** Closes one listener; returns false when the id is unknown. */
  close(id: number): boolean {
    const live = this.#live.get(id);
    if (!live) return false;
    this.#live.delete(id);
    live.close();
    this.#o.logger.info(`Stopped listening on ${live.transport.toUpperCase()} ${formatAddr(live.addr)}`);
    return true;
  }

  /** Closes every listener. */
  closeAll(): void {
    for (const id of [...this.#live.keys()]) this.close(id);
  }

  async #openTcp(id: number, spec: ListenerSpec): Promise<Live> {
    const listener: TcpListener = await this.#o.net.listenTcp({
      hostname: spec.hostname,
      port: spec.port,
      backlog: this.#o.backlog ?? 100,
    });
    const ctx: ListenerContext = { negotiators: spec.negotiators ?? [], finished: this.#handled };
    const router = this.#o.tcp;
    const handle = (conn: Conn) => {
      this.#handling++;
      // `handle()` never throws (its errors close that connection) and calls `ctx.finished` when done.
      router.handle(conn, ctx);
    };
    if (listener.serve !== undefined) {
      // Push form (Bun): each connection is handled inside its `open` callback, no promise per accept.
      listener.serve(handle);
      return { id, transport: "tcp", addr: listener.addr, spec, close: () => listener.close() };
    }
    const loop = async () => {
      for (;;) {
        let conn;
        try {
          conn = await listener.accept();
        } catch (err) {
          // EMFILE and friends: log and keep accepting after a short pause instead of dying.
          this.#o.logger.warn(`Accept failed on ${formatAddr(listener.addr)}: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        if (!conn) return;
        handle(conn);
      }
    };
    void loop(); // never rejects: accept errors are logged and retried, `handle()` does not throw
    return { id, transport: "tcp", addr: listener.addr, spec, close: () => listener.close() };
  }

  async #openUdp(id: number, spec: ListenerSpec): Promise<Live> {
    const router = this.#o.udp;
    let socket: UdpSocket | undefined;
    const early: [Uint8Array, NetAddr][] = [];
    socket = await this.#o.net.bindUdp({
      hostname: spec.hostname,
      port: spec.port,
      onMessage: (data, from) => {
        if (socket) router.receive(socket, data, from);
        else early.push([data, from]);
      },
    });
    const s = socket;
    for (const [data, from] of early) router.receive(s, data, from);
    return { id, transport: "udp", addr: s.addr, spec, close: () => s.close() };
  }
}
