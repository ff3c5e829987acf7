/**
 * The backend plug-in contract: a backend protocol is a factory declared in `src/backends/mod.ts`; the router
 * compiles the common matchers (SPEC §6, §20.1) itself and asks the protocol only for what is its own.
 *
 * @module
 */
import type { Conn, NetAdapter, NetAddr, UdpSocket } from "../net/types.ts";
import type { Transport, Verdict } from "../detect/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";

export type { Transport, Verdict };

/** Priority tiers, highest first. */
export const TIERS = ["vip", "normal", "standby", "fallback"] as const;
/** A priority tier. */
export type Tier = typeof TIERS[number];

/** A parsed backend spec string `name:protocol[:params]`. */
export interface BackendSpec {
  /** Unique per network protocol. */
  readonly name: string;
  /** Backend protocol name (`pass`, `noop`, ...), lower-case. */
  readonly protocol: string;
  /** Parameters as written (keys case preserved). */
  readonly params: Readonly<Record<string, string>>;
}

/** What a probe sees. */
export interface ProbeInput {
  /** TCP: every byte buffered so far. UDP: the first held datagram. */
  readonly bytes: Uint8Array;
  /** UDP only: every held datagram of the new session, oldest first. */
  readonly datagrams?: readonly Uint8Array[];
  /** Connection properties (SPEC §4.2). Keys are lower-case. */
  readonly props: ReadonlyMap<string, string>;
  /** The address the client connected to: `socket.local-ip` and `-port` without building `props`. */
  readonly local: NetAddr;
  /** `local.port` when the router knows it without reading `local` (TCP); `local-port` reads this first. */
  readonly localPort?: number;
  /** The client: the socket's peer, or an accepted PROXY header's source (`socket.remote-ip` and `-port`). */
  readonly client: NetAddr;
  /** True when no more bytes will come (client FIN, buffer limit, deadline): answer match or no. */
  readonly final: boolean;
}

/** Per-connection context handed to a backend. */
export interface ConnContext {
  /** Process-unique connection id, for logs. */
  readonly id: number;
  /** Connection properties (lower-case keys). */
  readonly props: Map<string, string>;
  /** The client address (a negotiator replaces it with the one from an accepted PROXY header). */
  client: NetAddr;
  /** The address the client connected to. */
  readonly local: NetAddr;
  /** `local.port`, known without reading `local` (see `Conn.localPort`). */
  readonly localPort: number;
  /**
   * Aborted when the router shuts down or the backend is force-removed. The router creates it on first use;
   * code on every connection's path should prefer {@linkcode ConnContext.onAbort}, which needs no signal.
   */
  readonly signal: AbortSignal;
  /**
   * Runs `fn` once when the connection is aborted (the same moment `signal` fires; at once if it already
   * was) and returns the function that unregisters it. Absent from contexts made by hand (tests): fall back
   * to `signal`.
   */
  onAbort?(fn: () => void): () => void;
  /** Bytes client → backend, updated by the relay when it ends. */
  ingressBytes: number;
  /** Bytes backend → client, updated by the relay when it ends. */
  egressBytes: number;
  /** Why the connection ended (`client`, `backend`, `error`, `idle`, `shutdown`, ...). */
  closeReason: string;
}

/** Answers a UDP client from the listener's socket (correct source port for NAT). */
export interface UdpClientWriter {
  /** The client this session belongs to. */
  readonly client: NetAddr;
  /** Sends a datagram to the client; false when dropped. */
  send(data: Uint8Array): boolean;
}

/** One UDP session owned by a backend. */
export interface UdpSession {
  /** A datagram from the client (the held probe datagrams are delivered first, in order). */
  onDatagram(data: Uint8Array): void;
  /** Ends the session (idle expiry, eviction, backend removal, shutdown). */
  close(): void;
}

/** Context for a new UDP session. */
export interface UdpSessionContext {
  /** Connection properties of the first datagram. */
  readonly props: ReadonlyMap<string, string>;
  /** Writes back to the client from the listener's socket. */
  readonly writer: UdpClientWriter;
  /** The listener socket's address. */
  readonly local: NetAddr;
  /** Call on traffic from the backend side, so the session does not expire while replies flow. */
  touch(): void;
  /**
   * Call when the session cannot go on (its socket could not be bound): the router ends it, so the client's
   * next datagram is routed afresh instead of being dropped until the session expires.
   */
  failed(): void;
}

/** Options a health check runs with (SPEC §11). */
export interface CheckOptions {
  /** Aborted at the check timeout. */
  readonly signal: AbortSignal;
  /** Parameters of the health-check spec that are not scheduler timings (`path`, `status`, ...). */
  readonly params: Readonly<Record<string, string>>;
}

/** A backend instance built by a {@linkcode BackendProtocol}. */
export interface BackendHandler {
  /**
   * Protocol-specific matching beyond the common matchers (HTTP `host`/`path`, BitTorrent). Omit when the
   * protocol matches everything the common matchers let through.
   */
  probe?(input: ProbeInput): Verdict;
  /**
   * Serves a TCP connection; `conn` first replays every byte that was probed. Resolves when the connection
   * is finished; it must close `conn` on every path and never reject for a client's fault.
   */
  handleTcp?(conn: Conn, ctx: ConnContext): Promise<void>;
  /**
   * The callback form of {@linkcode BackendHandler.handleTcp}, which the router prefers: it calls `done` once
   * when the connection is finished instead of settling a promise. Same duties: close `conn` on every path, and
   * never throw for a client's fault. `pass` uses it: on Bun, resuming `async` functions at each step of a
   * short connection costs a measurable share of its time (see `bench/README.md`).
   */
  startTcp?(conn: Conn, ctx: ConnContext, done: () => void): void;
  /** Opens a UDP session. */
  openUdp?(ctx: UdpSessionContext): UdpSession;
  /** Runs one health check; rejects (with the reason) on failure. Omit: always healthy. */
  check?(options: CheckOptions): Promise<void>;
  /** Releases resources when the backend is removed. */
  dispose?(): void;
}

/** Services injected into backend factories. */
export interface BackendServices {
  /** The runtime's sockets. */
  readonly net: NetAdapter;
  /** Logger for this backend. */
  readonly logger: Logger;
  /** Metrics reporter. */
  readonly metrics: Metrics;
}

/** Declares one accepted parameter: an exact key (`target.ip`) or a prefix ending in `[` (`header[`). */
export interface ParamDecl {
  /** Key (lower-case), or prefix ending with `[` for indexed keys. */
  readonly key: string;
  /** Whether the backend cannot start without it. @default false */
  readonly required?: boolean;
  /** One line for `--help` and errors. */
  readonly help: string;
}

/** A backend protocol plug-in (one file in `src/backends/`, one row in its `mod.ts`). */
export interface BackendProtocol {
  /** Protocol name used in spec strings (lower-case). */
  readonly name: string;
  /** Transports this protocol serves. */
  readonly transports: readonly Transport[];
  /** Tier when the spec has no `priority`. */
  readonly defaultTier: Tier;
  /** Parameters accepted beyond the common ones; anything else is a startup error. */
  readonly params: readonly ParamDecl[];
  /**
   * Builds the handler. Throws `RangeError`/`TypeError` with a message naming the parameter and the value on
   * bad parameters (the caller prefixes the backend name).
   */
  create(spec: BackendSpec, transport: Transport, services: BackendServices): BackendHandler;
}

/** Looks a parameter up case-insensitively. */
export function param(params: Readonly<Record<string, string>>, key: string): string | undefined {
  const lower = key.toLowerCase();
  for (const k in params) if (k.toLowerCase() === lower) return params[k];
  return undefined;
}

/** Re-export for backends that need the UDP socket type. */
export type { UdpSocket };
