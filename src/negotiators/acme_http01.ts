/**
 * ACME http-01 answers (SPEC §14): a negotiator that runs before probing on every TCP connection, so a
 * `GET /.well-known/acme-challenge/<token>` is answered ahead of every backend whatever the routing strategy.
 * It only peeks at the preview: a connection whose first bytes stop matching that request line is passed on
 * at once and untouched, as is a request for a token that is not pending (a backend may serve its own).
 *
 * @module
 */
import type { ConnContext } from "../core/backend.ts";
import { FillUntil, type Preview } from "../core/preview.ts";
import type { Logger } from "../logging/logger.ts";
import { formatAddr } from "../net/types.ts";
import type { Negotiator } from "./types.ts";

const PREFIX = new TextEncoder().encode("GET /.well-known/acme-challenge/");
/** Longest token accepted (RFC 8555 tokens are 43 characters; CAs may use longer ones). */
const MAX_TOKEN = 256;
/** Longest request line and header block waited for before answering. */
const MAX_HEAD = 8192;
/** ms the client may take to close after the answer. */
const LINGER = 1000;

/** What the first bytes of a connection are, for this negotiator. */
export type ChallengeRequest =
  | { readonly kind: "no" }
  | { readonly kind: "more" }
  | { readonly kind: "request"; readonly token: string; readonly complete: boolean };

function isTokenByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d ||
    b === 0x5f;
}

/**
 * Reads a challenge request from the first bytes (pure): `no` as soon as they cannot be one, `more` while the
 * request line is incomplete, else the token and whether the header block is complete.
 *
 * @example
 * parseChallengeRequest(bytes("GET /.well-known/acme-challenge/abc HTTP/1.1\r\nHost: x\r\n\r\n"));
 * // { kind: "request", token: "abc", complete: true }
 */
export function parseChallengeRequest(bytes: Uint8Array): ChallengeRequest {
  const n = Math.min(bytes.length, PREFIX.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== PREFIX[i]) return { kind: "no" };
  if (bytes.length <= PREFIX.length) return { kind: "more" };
  let at = PREFIX.length;
  while (at < bytes.length && isTokenByte(bytes[at])) at++;
  const tokenEnd = at;
  if (tokenEnd - PREFIX.length > MAX_TOKEN) return { kind: "no" };
  if (at === bytes.length) return { kind: "more" };
  if (tokenEnd === PREFIX.length || bytes[at] !== 0x20) return { kind: "no" };
  const version = "HTTP/1.";
  for (let i = 0; i < version.length + 1; i++) {
    if (at + 1 + i >= bytes.length) return { kind: "more" };
    const b = bytes[at + 1 + i];
    if (i < version.length ? b !== version.charCodeAt(i) : b !== 0x30 && b !== 0x31) return { kind: "no" };
  }
  at += 1 + version.length + 1;
  if (at + 2 > bytes.length) return { kind: "more" };
  if (bytes[at] !== 0x0d || bytes[at + 1] !== 0x0a) return { kind: "no" };
  const token = String.fromCharCode(...bytes.subarray(PREFIX.length, tokenEnd));
  // The header block ends at the first empty line: CRLF CRLF after the request line's CRLF.
  let complete = false;
  for (let i = at; i + 3 < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) {
      complete = true;
      break;
    }
  }
  return { kind: "request", token, complete };
}

/** Options of {@linkcode createAcmeHttp01Negotiator}. */
export interface AcmeHttp01Options {
  /** The key authorization of a pending token, undefined when none is pending. */
  readonly lookup: (token: string) => string | undefined;
  /** Answers at information level, passes at debug. */
  readonly logger: Logger;
}

const enc = new TextEncoder();

/**
 * Creates the negotiator. It goes after the TLS negotiator, which has waited for the first bytes already: a
 * connection that has sent nothing (a server-first protocol) is passed on at once, except a TLS one that
 * negotiated ALPN `http/1.1`, whose request is awaited (a CA may follow a redirect to https). It waits for more
 * bytes only while they still spell the start of a challenge request, and never past the selection deadline,
 * so other protocols continue on their first byte.
 */
export function createAcmeHttp01Negotiator(options: AcmeHttp01Options): Negotiator {
  const log = options.logger;
  return {
    name: "acme-http-01",
    async negotiate(preview: Preview, ctx: ConnContext, deadlineAt: number): Promise<Preview | null> {
      // Nothing yet: after TLS termination an HTTP client (ALPN http/1.1) speaks first, so its request is
      // worth waiting for; anything else that is silent (server speaks first) goes on at once.
      const waitFirst = preview.length === 0 && ctx.props.get("tls.application-protocol") === "http/1.1";
      if (!waitFirst && (preview.length === 0 || preview.bytes[0] !== PREFIX[0])) return preview;
      let until: FillUntil | undefined;
      try {
        for (;;) {
          const r: ChallengeRequest = preview.length === 0
            ? { kind: "more" }
            : parseChallengeRequest(preview.bytes);
          if (r.kind === "no") return preview;
          if (r.kind === "request") {
            const answer = options.lookup(r.token);
            if (answer === undefined) {
              if (log.enabled("debug")) {
                log.debug(
                  `Connection ${ctx.id}: ACME challenge token "${r.token}" is not pending; passed on`,
                );
              }
              return preview;
            }
            if (r.complete || preview.exhausted || preview.length >= MAX_HEAD || Date.now() >= deadlineAt) {
              await respond(preview, ctx, answer);
              log.info(
                `Connection ${ctx.id} from ${
                  formatAddr(ctx.client)
                }: answered ACME http-01 token "${r.token}"`,
              );
              return null;
            }
          }
          if (preview.exhausted) return preview;
          until ??= new FillUntil(preview, deadlineAt);
          const more = await until.fill();
          if (!more && r.kind === "more") return preview;
          if (!more) deadlineAt = Date.now();
        }
      } finally {
        until?.stop();
      }
    },
  };
}

/** Writes the key authorization, half-closes, and waits a moment for the client to close first. */
async function respond(preview: Preview, ctx: ConnContext, answer: string): Promise<void> {
  ctx.closeReason = "acme-challenge";
  const body = enc.encode(answer);
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n` +
    "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  const conn = preview.conn;
  try {
    const out = new Uint8Array(head.length + body.length);
    out.set(enc.encode(head));
    out.set(body, head.length);
    await conn.write(out);
    await conn.closeWrite();
    // Reads go through the preview: one of its reads may still be pending, and a second one must not race it.
    const linger = new FillUntil(preview, Date.now() + LINGER);
    try {
      while (await linger.fill()) { /* discard until the client closes */ }
    } finally {
      linger.stop();
    }
  } catch {
    /* the client went away; nothing more to do */
  } finally {
    conn.close();
  }
}
