/**
 * Header rules shared by the HTTP backends: name and value validation for configured headers, and the
 * hop-by-hop headers a proxy must not forward (RFC 9110 §7.6.1).
 *
 * @module
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;

/** True when `name` is a valid header field name (an RFC 9110 token). */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/**
 * Checks a configured header name and value; throws RangeError naming `key` when either is unusable.
 *
 * @param key the parameter the header came from, for the message
 */
export function checkHeader(key: string, name: string, value: string): void {
  if (!isHeaderName(name)) {
    throw new RangeError(
      `${key}: "${name}" is not a header name: expected letters, digits and !#$%&'*+-.^_\`|~`,
    );
  }
  if (BAD_VALUE.test(value)) {
    throw new RangeError(`${key}: the value "${value}" contains CR, LF or NUL`);
  }
}

/** Hop-by-hop headers, lower-case: never forwarded in either direction. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  // The internal server answers `Expect: 100-continue` itself.
  "expect",
]);

/**
 * The lower-case names a message marks as hop-by-hop: the fixed set plus those listed in its `Connection`
 * header.
 */
export function hopByHop(connection: string | null | undefined): ReadonlySet<string> {
  if (!connection) return HOP_BY_HOP;
  const set = new Set(HOP_BY_HOP);
  for (const t of connection.split(",")) {
    const name = t.trim().toLowerCase();
    if (name) set.add(name);
  }
  return set;
}
