/**
 * TLS detection and termination (SPEC §8.1): waits for a ClientHello within `--tls-hello-timeout`, picks the
 * certificate by SNI from the {@linkcode CertificateStore}, completes the handshake with `node:tls`, and hands
 * the router a new preview over the decrypted stream, so the plaintext is probed like any connection.
 *
 * @module
 */
import { TLSSocket } from "node:tls";
import type { ConnContext } from "../core/backend.ts";
import { Preview } from "../core/preview.ts";
import { type ClientHelloInfo, parseClientHello } from "../detect/tls.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { formatAddr } from "../net/types.ts";
import { connDuplex } from "../tls/duplex.ts";
import { TlsSocketConn } from "../tls/socket_conn.ts";
import type { CertificateStore, Selection } from "../tls/store.ts";
import type { Negotiator } from "./types.ts";

/** Options for {@linkcode createTlsNegotiator}. */
export interface TlsNegotiatorOptions {
  /** Close connections that do not start with a ClientHello (`--tls-enforce`). @default false */
  enforce?: boolean;
  /** ms to wait for a ClientHello, and again for the handshake (`--tls-hello-timeout`). @default 5000 */
  helloTimeout?: number;
  /** ALPN protocols offered, in order of preference (`--tls-alpn`). @default ["http/1.1"] */
  alpn?: readonly string[];
  /** Bytes buffered for probing the decrypted stream (`--preview-buffer-limit`). @default 65536 */
  previewLimit?: number;
}

/** Services for {@linkcode createTlsNegotiator}. */
export interface TlsNegotiatorServices {
  /** Certificates and mappings; changes apply to the next handshake. */
  store: CertificateStore;
  /** Refusals and failures at information, decisions at debug. */
  logger: Logger;
  /** Counts refused connections in `router.connection.failed{reason}`. @default none */
  metrics?: Metrics;
}

/** The TLS negotiator, with the store it selects from (for the management API and ACME). */
export interface TlsNegotiator extends Negotiator {
  /** The certificate store. */
  readonly store: CertificateStore;
}

const TIMEOUT = Symbol("timeout");
const PROTOCOLS: Readonly<Record<string, string>> = { "TLSv1.2": "tls12", "TLSv1.3": "tls13" };
/** Names without a certificate that were logged at warning level; later refusals go to debug. */
const MAX_NAMES_WARNED = 1024;

/**
 * Creates the TLS negotiator.
 *
 * Sets `tls` (`true`/`false`) on every connection, and after a handshake `tls.sni` (when sent),
 * `tls.protocol` (`tls12`/`tls13`), `tls.cipher-suite` (lower-case IANA name) and `tls.application-protocol`
 * (when negotiated). A connection whose first byte cannot start a ClientHello continues at once as plain; a
 * silent one continues as plain when the hello timeout (or the selection deadline) passes, so
 * server-speaks-first protocols still work. With `enforce`, plain connections are closed instead.
 *
 * @example
 * ```ts
 * const tls = createTlsNegotiator({ helloTimeout: 5000 }, { store, logger });
 * new App({ ...options, negotiators: [tls] }, services);
 * ```
 */
export function createTlsNegotiator(
  options: TlsNegotiatorOptions,
  services: TlsNegotiatorServices,
): TlsNegotiator {
  const helloTimeout = options.helloTimeout ?? 5000;
  const alpn = options.alpn ?? ["http/1.1"];
  const previewLimit = options.previewLimit ?? 65536;
  const { store, logger: log, metrics } = services;
  const warned = new Set<string>();

  /** Closes a connection with one log line, after a fatal alert when `alertCode` is given. */
  const refuse = (
    preview: Preview,
    ctx: ConnContext,
    reason: string,
    why: string,
    alertCode?: number,
  ): null => {
    ctx.closeReason = reason;
    metrics?.add("router.connection.failed", 1, { reason, protocol: "Tcp" });
    log.info(`Connection ${ctx.id} from ${formatAddr(ctx.client)} closed: ${why}`);
    if (alertCode === undefined) preview.conn.close();
    else alert(preview, alertCode);
    return null;
  };

  const plain = (preview: Preview, ctx: ConnContext, why: string): Preview | null => {
    ctx.props.set("tls", "false");
    if (options.enforce) {
      return refuse(preview, ctx, "tls-required", `not TLS (${why}) and --tls-enforce is set`);
    }
    if (log.enabled("debug")) {
      log.debug(`Connection ${ctx.id} from ${formatAddr(ctx.client)} is not TLS: ${why}`);
    }
    return preview;
  };

  const noCertificate = (preview: Preview, ctx: ConnContext, sni: string | undefined): null => {
    const key = sni ?? "";
    const message = `Connection ${ctx.id} from ${formatAddr(ctx.client)} closed: no certificate for ${
      sni === undefined ? "a ClientHello without SNI" : `"${sni}"`
    }`;
    if (!warned.has(key) && warned.size < MAX_NAMES_WARNED) {
      warned.add(key);
      log.warn(`${message} (further ones for this name are logged at debug level)`);
    } else if (log.enabled("debug")) log.debug(message);
    ctx.closeReason = "tls-no-certificate";
    metrics?.add("router.connection.failed", 1, { reason: "tls-no-certificate", protocol: "Tcp" });
    // unrecognized_name(112) when a name was sent, handshake_failure(40) otherwise.
    alert(preview, sni === undefined ? 40 : 112);
    return null;
  };

  async function negotiate(preview: Preview, ctx: ConnContext, deadlineAt: number): Promise<Preview | null> {
    const started = Date.now();
    const helloBy = Math.min(started + helloTimeout, deadlineAt);
    let hello = parseClientHello(preview.bytes);
    while (hello.verdict === "more" && !preview.exhausted) {
      if ((await within(preview.fill(), helloBy - Date.now())) === TIMEOUT) break;
      hello = parseClientHello(preview.bytes);
    }
    if (hello.verdict !== "match") {
      const why = hello.verdict === "no"
        ? "first bytes are not a ClientHello"
        : preview.length === 0
        ? (preview.eof ? "closed without sending" : `silent for ${Date.now() - started} ms`)
        : `incomplete ClientHello (${preview.length} bytes)`;
      return plain(preview, ctx, why);
    }
    if (!offersAccepted(hello, store.protocols)) {
      // Refused before any TLS stack runs, so every runtime answers alike: protocol_version(70).
      const accepted = store.protocols.join(", ");
      const why = `the client offers no TLS version accepted by --tls-protocol (${accepted})`;
      return refuse(preview, ctx, "tls-version", why, 70);
    }
    let selection: Selection | null;
    try {
      selection = store.select(hello.sni);
    } catch (err) {
      log.warn(`Connection ${ctx.id}: ${(err as Error).message}`);
      selection = null;
    }
    if (selection === null) return noCertificate(preview, ctx, hello.sni);
    return await terminate(preview, ctx, hello, selection);
  }

  async function terminate(
    preview: Preview,
    ctx: ConnContext,
    hello: ClientHelloInfo,
    selection: Selection,
  ): Promise<Preview | null> {
    const started = Date.now();
    const transport = preview.conn;
    const duplex = connDuplex(preview.toConn());
    const chosen = hello.alpn ? alpn.find((p) => hello.alpn!.includes(p)) : undefined;
    const socket = new TLSSocket(duplex, {
      isServer: true,
      secureContext: selection.context,
      ...(chosen !== undefined ? { ALPNProtocols: [chosen] } : {}),
    });
    const handshake = new Promise<Error | null>((resolve) => {
      socket.once("secure", () => resolve(null));
      // Kept for the socket's life (a second error must not go unhandled); TlsSocketConn reports later ones.
      socket.on("error", (err: Error) => resolve(err));
      socket.once("close", () => resolve(new Error("connection closed during the handshake")));
    });
    const outcome = await within(handshake, helloTimeout);
    if (outcome !== null) {
      socket.destroy();
      const why = outcome === TIMEOUT
        ? `TLS handshake not done within ${helloTimeout} ms`
        : `TLS handshake failed: ${outcome.message}`;
      return refuse(preview, ctx, "tls-handshake", why);
    }
    const props = ctx.props;
    props.set("tls", "true");
    if (hello.sni !== undefined) props.set("tls.sni", hello.sni);
    const protocol = socket.getProtocol();
    if (protocol) props.set("tls.protocol", PROTOCOLS[protocol] ?? protocol.toLowerCase());
    const cipher = socket.getCipher() as { name?: string; standardName?: string } | undefined;
    const suite = cipher?.standardName ?? cipher?.name;
    if (suite) props.set("tls.cipher-suite", suite.toLowerCase());
    if (typeof socket.alpnProtocol === "string" && socket.alpnProtocol !== "") {
      props.set("tls.application-protocol", socket.alpnProtocol);
    }
    if (log.enabled("debug")) {
      log.debug(
        `Connection ${ctx.id} from ${
          formatAddr(ctx.client)
        }: TLS terminated with certificate "${selection.certificate.name}" (${selection.rule}) sni=${
          hello.sni ?? "-"
        } ${props.get("tls.protocol")} ${props.get("tls.cipher-suite")} alpn=${
          props.get("tls.application-protocol") ?? "-"
        } ms=${Date.now() - started}`,
      );
    }
    return new Preview(new TlsSocketConn(socket, transport, duplex), previewLimit);
  }

  return { name: "tls", store, negotiate };
}

/**
 * Sends a fatal alert record and closes the connection. Written by hand: no TLS stack runs yet, and a
 * plaintext alert is all a peer expects before the ServerHello.
 */
function alert(preview: Preview, description: number): void {
  const conn = preview.conn;
  conn.write(new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description])).catch(() => {}).finally(() =>
    conn.close()
  );
}

/** True when the hello offers a version in `accepted` (`supported_versions`, else up to `legacy_version`). */
function offersAccepted(hello: ClientHelloInfo, accepted: readonly string[]): boolean {
  const offered = hello.supportedVersions ??
    [0x0301, 0x0302, 0x0303].filter((v) => v <= (hello.legacyVersion ?? 0x0303));
  return (accepted.includes("tls13") && offered.includes(0x0304)) ||
    (accepted.includes("tls12") && offered.includes(0x0303));
}

/** Resolves with the promise's value, or `TIMEOUT` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  if (ms <= 0) return TIMEOUT;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<typeof TIMEOUT>((r) => timer = setTimeout(r, ms, TIMEOUT)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
