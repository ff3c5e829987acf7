/**
 * A pure, bounded HTTP/1.x request-head parser for probing and for reading the first request of a connection.
 * It never throws and never keeps the bytes: strings are copied out (latin-1) only for what it returns.
 *
 * @module
 */

/** The request line of a request head. */
export interface RequestLine {
  /** The method token as sent (`GET`). */
  readonly method: string;
  /** The request target as sent (`/a/b?c=1`, `*`, `host:443`, `http://h/x`). */
  readonly target: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  readonly version: string;
  /** Path without the query string (`/a/b`); the path part of an absolute-form target; `*`; `""` for authority-form. */
  readonly path: string;
  /** The query with its leading `?`, or `""`. */
  readonly query: string;
}

/** One header field: name as sent, value without surrounding whitespace. */
export type HeaderField = readonly [name: string, value: string];

/**
 * Where parsing got to:
 * - `invalid`: the bytes are not an HTTP/1.x request head (or exceed a limit);
 * - `partial`: the request line is not complete yet;
 * - `line`: the request line is complete, the header section is not;
 * - `complete`: the whole head (request line, headers, empty line) is there.
 */
export type HeadState = "invalid" | "partial" | "line" | "complete";

/** Result of {@linkcode parseRequestHead}. */
export interface HeadParse {
  readonly state: HeadState;
  /** Set in states `line` and `complete`. */
  readonly line?: RequestLine;
  /** Set in state `complete`, in order. */
  readonly headers?: readonly HeaderField[];
  /** In state `complete`: bytes of the head including the empty line. */
  readonly length: number;
  /** In state `invalid`: why, for debug logs. */
  readonly reason?: string;
}

/** Limits of {@linkcode parseRequestHead}. */
export interface HeadLimits {
  /** Longest head accepted, in bytes. @default 65536 */
  maxBytes?: number;
  /** Most header fields accepted. @default 200 */
  maxHeaders?: number;
}

/** Longest method token accepted; registered methods are at most 17 characters. */
const MAX_METHOD = 24;

const TCHAR = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

const PARTIAL: HeadParse = { state: "partial", length: 0 };

function invalid(reason: string): HeadParse {
  return { state: "invalid", length: 0, reason };
}

/** True when `b` can be the first byte of an HTTP/1.x request (a method token character). */
export function canStartRequest(b: number): boolean {
  return TCHAR[b] === 1;
}

/**
 * Parses the request head at the start of `bytes`. A line may end in CRLF or a bare LF. Header values may carry
 * obs-text and HTAB; other control characters, obsolete line folding, a space before the colon, an HTTP major
 * version other than 1 and anything over the limits make the head `invalid`.
 *
 * Cost: one pass over the head; strings are built only for the fields returned.
 *
 * @example parseRequestHead(new TextEncoder().encode("GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n")).line?.path // "/a"
 */
export function parseRequestHead(bytes: Uint8Array, limits: HeadLimits = {}): HeadParse {
  const maxBytes = limits.maxBytes ?? 65536;
  const maxHeaders = limits.maxHeaders ?? 200;
  const n = Math.min(bytes.length, maxBytes);
  // Request line: METHOD SP target SP HTTP/1.d (CR)LF
  let p = 0;
  while (p < n && TCHAR[bytes[p]] === 1) p++;
  if (p > MAX_METHOD) return invalid("method token too long");
  if (p === n) return n === maxBytes ? invalid("head too long") : PARTIAL;
  if (p === 0 || bytes[p] !== SP) return invalid("no method token");
  const method = latin1(bytes, 0, p);
  const targetStart = ++p;
  while (p < n && bytes[p] > SP && bytes[p] !== 0x7f) p++;
  if (p === n) return n === maxBytes ? invalid("head too long") : PARTIAL;
  if (p === targetStart || bytes[p] !== SP) return invalid("bad request target");
  const targetEnd = p++;
  const version = "HTTP/1.";
  for (let i = 0; i < version.length; i++, p++) {
    if (p === n) return PARTIAL;
    if (bytes[p] !== version.charCodeAt(i)) return invalid("not HTTP/1.x");
  }
  if (p === n) return PARTIAL;
  const minor = bytes[p++];
  if (minor < 0x30 || minor > 0x39) return invalid("bad version");
  const eol = lineEnd(bytes, p, n);
  if (eol === -1) return PARTIAL;
  if (eol === -2) return invalid("junk after the version");
  p = eol;
  const target = latin1(bytes, targetStart, targetEnd);
  const line: RequestLine = {
    method,
    target,
    version: `HTTP/1.${String.fromCharCode(minor)}`,
    ...split(target),
  };
  // Header fields up to the empty line.
  const headers: HeaderField[] = [];
  for (;;) {
    if (p === n) return n === maxBytes ? invalid("head too long") : { state: "line", line, length: 0 };
    const empty = lineEnd(bytes, p, n);
    if (empty >= 0) return { state: "complete", line, headers, length: empty };
    if (empty === -1) return { state: "line", line, length: 0 };
    if (bytes[p] === SP || bytes[p] === HTAB) return invalid("obsolete line folding");
    const nameStart = p;
    while (p < n && TCHAR[bytes[p]] === 1) p++;
    if (p === n) return n === maxBytes ? invalid("head too long") : { state: "line", line, length: 0 };
    if (p === nameStart || bytes[p] !== 0x3a) return invalid("bad header name");
    const nameEnd = p++;
    while (p < n && (bytes[p] === SP || bytes[p] === HTAB)) p++;
    const valueStart = p;
    let valueEnd = p;
    while (p < n && bytes[p] !== CR && bytes[p] !== LF) {
      const c = bytes[p];
      if ((c < SP && c !== HTAB) || c === 0x7f) return invalid("control character in a header value");
      p++;
      if (c !== SP && c !== HTAB) valueEnd = p;
    }
    const end = lineEnd(bytes, p, n);
    if (end === -1) return n === maxBytes ? invalid("head too long") : { state: "line", line, length: 0 };
    if (end === -2) return invalid("bare CR in a header");
    if (headers.length >= maxHeaders) return invalid("too many header fields");
    headers.push([latin1(bytes, nameStart, nameEnd), latin1(bytes, valueStart, valueEnd)]);
    p = end;
  }
}

/** At `p`: CRLF or LF → index after it; not enough bytes → -1; anything else → -2. */
function lineEnd(b: Uint8Array, p: number, n: number): number {
  if (p >= n) return -1;
  if (b[p] === LF) return p + 1;
  if (b[p] !== CR) return -2;
  if (p + 1 >= n) return -1;
  return b[p + 1] === LF ? p + 2 : -2;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i += 4096) {
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(to, i + 4096)) as unknown as number[]);
  }
  return s;
}

function split(target: string): { path: string; query: string } {
  let rest = target;
  if (!rest.startsWith("/") && rest !== "*") {
    const scheme = rest.indexOf("://");
    if (scheme < 0) return { path: "", query: "" }; // authority-form (CONNECT host:port)
    const slash = rest.indexOf("/", scheme + 3);
    const q = rest.indexOf("?", scheme + 3);
    if (slash < 0 || (q >= 0 && q < slash)) rest = "/" + (q >= 0 ? rest.slice(q) : "");
    else rest = rest.slice(slash);
  }
  const q = rest.indexOf("?");
  return q < 0 ? { path: rest, query: "" } : { path: rest.slice(0, q), query: rest.slice(q) };
}

/**
 * The value of a header (case-insensitive name); several fields of that name are joined with `, `.
 * `undefined` when absent.
 */
export function headerValue(headers: readonly HeaderField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  let out: string | undefined;
  for (const [k, v] of headers) {
    if (k.length === lower.length && k.toLowerCase() === lower) out = out === undefined ? v : `${out}, ${v}`;
  }
  return out;
}

/**
 * Splits a Host header value into host and port: `a.example:8080` → `["a.example", "8080"]`,
 * `[::1]:80` → `["[::1]", "80"]`, `a.example` → `["a.example", ""]`.
 */
export function splitHostPort(value: string): [host: string, port: string] {
  const v = value.trim();
  if (v.startsWith("[")) {
    const close = v.indexOf("]");
    if (close < 0) return [v, ""];
    const rest = v.slice(close + 1);
    return [v.slice(0, close + 1), rest.startsWith(":") ? rest.slice(1) : ""];
  }
  const colon = v.lastIndexOf(":");
  if (colon < 0 || v.indexOf(":") !== colon) return [v, ""];
  return [v.slice(0, colon), v.slice(colon + 1)];
}
