/**
 * TSIG (RFC 8945): signs a request with an HMAC key shared with the DNS server, and checks the server's signed
 * answer (its MAC covers our request's MAC, so an answer cannot be replayed for another request).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import { CLASS, encodeName, readHeader, readName, readRecord, skipQuestions, TYPE, Writer } from "./wire.ts";

/** HMAC algorithms by their TSIG name (RFC 8945 §6), mapped to `node:crypto` digests. */
export const TSIG_ALGORITHMS: Readonly<Record<string, string>> = {
  "hmac-sha1": "sha1",
  "hmac-sha224": "sha224",
  "hmac-sha256": "sha256",
  "hmac-sha384": "sha384",
  "hmac-sha512": "sha512",
};

/** A TSIG key. */
export interface TsigKey {
  /** Key name as configured on the server (`update-key`). */
  readonly name: string;
  /** Algorithm name, one of {@linkcode TSIG_ALGORITHMS}. */
  readonly algorithm: string;
  /** The shared secret (decoded from base64). */
  readonly secret: Uint8Array;
}

/** Allowed clock difference in seconds (the value BIND and nsupdate use). */
export const FUDGE = 300;

/** A signed request. */
export interface SignedMessage {
  /** The message with the TSIG record appended. */
  readonly message: Uint8Array;
  /** Its MAC, which the answer's MAC covers. */
  readonly mac: Uint8Array;
}

/**
 * Parses a key from `key-name`, `key-algorithm` and a base64 `key-secret`.
 *
 * @throws {RangeError} for an unknown algorithm, an empty or non-base64 secret, or a bad key name
 */
export function parseTsigKey(name: string, algorithm: string, secret: string): TsigKey {
  const alg = algorithm.trim().toLowerCase().replace(/\.$/, "");
  if (!(alg in TSIG_ALGORITHMS)) {
    throw new RangeError(
      `Unknown TSIG algorithm "${algorithm}": expected one of ${Object.keys(TSIG_ALGORITHMS).join(", ")}`,
    );
  }
  const text = secret.trim();
  if (text === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new RangeError(`Invalid TSIG secret for key "${name}": expected base64`);
  }
  encodeName(name); // throws on a bad name
  return { name: name.trim(), algorithm: alg, secret: new Uint8Array(Buffer.from(text, "base64")) };
}

/** The TSIG variables (RFC 8945 §4.3.3) that follow the message in the MAC input. */
function variables(key: TsigKey, timeSigned: number, fudge: number, error: number, other: Uint8Array) {
  return new Writer()
    .bytes(encodeName(key.name, true))
    .u16(CLASS.ANY)
    .u32(0)
    .bytes(encodeName(key.algorithm, true))
    .u48(timeSigned)
    .u16(fudge)
    .u16(error)
    .u16(other.length)
    .bytes(other)
    .finish();
}

function hmac(key: TsigKey, parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac(TSIG_ALGORITHMS[key.algorithm], key.secret);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * Signs a message: appends a TSIG record and increments the additional count.
 *
 * @param message the unsigned message (its id is the TSIG original id)
 * @param now current time, epoch ms
 * @param requestMac when signing an answer (a server does; tests do), the MAC of the request it answers
 */
export function signMessage(
  message: Uint8Array,
  key: TsigKey,
  now: number,
  requestMac?: Uint8Array,
): SignedMessage {
  const timeSigned = Math.floor(now / 1000);
  const id = (message[0] << 8) | message[1];
  const none = new Uint8Array(0);
  const prefix = requestMac ? new Writer().u16(requestMac.length).bytes(requestMac).finish() : none;
  const mac = hmac(key, [prefix, message, variables(key, timeSigned, FUDGE, 0, none)]);
  const rdata = new Writer()
    .bytes(encodeName(key.algorithm, true))
    .u48(timeSigned)
    .u16(FUDGE)
    .u16(mac.length)
    .bytes(mac)
    .u16(id)
    .u16(0)
    .u16(0)
    .finish();
  const w = new Writer().bytes(message);
  w.bytes(encodeName(key.name, true)).u16(TYPE.TSIG).u16(CLASS.ANY).u32(0).u16(rdata.length).bytes(rdata);
  const out = w.finish();
  const additional = ((out[10] << 8) | out[11]) + 1;
  out[10] = additional >>> 8;
  out[11] = additional & 0xff;
  return { message: out, mac };
}

/** What a verified answer says. */
export interface VerifiedAnswer {
  /** The response code of the answer. */
  readonly rcode: number;
  /** The TSIG error the server reported (0 when none: `BADSIG` 16, `BADKEY` 17, `BADTIME` 18). */
  readonly tsigError: number;
  /** Whether the answer carried a valid MAC (false when the server could not check our request). */
  readonly signed: boolean;
}

/** A TSIG record as read from an answer. */
interface ReadTsig {
  readonly start: number;
  /** Key name, lower case. */
  readonly keyName: string;
  readonly algorithm: string;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Uint8Array;
  readonly originalId: number;
  readonly error: number;
  readonly other: Uint8Array;
}

function readTsig(msg: Uint8Array): ReadTsig | undefined {
  const h = readHeader(msg);
  if (h.counts[3] === 0) return undefined;
  let at = skipQuestions(msg, h.counts[0]);
  const before = h.counts[1] + h.counts[2] + h.counts[3] - 1;
  for (let i = 0; i < before; i++) at = readRecord(msg, at).end;
  const r = readRecord(msg, at);
  if (r.type !== TYPE.TSIG) return undefined;
  const alg = readName(msg, r.rdataAt);
  const d = msg.subarray(alg.end, r.end);
  const u16 = (o: number) => (d[o] << 8) | d[o + 1];
  if (d.length < 10) throw new RangeError("TSIG record is truncated");
  const macSize = u16(8);
  if (d.length < 10 + macSize + 6) throw new RangeError("TSIG record is truncated");
  const o = 10 + macSize;
  const otherLen = u16(o + 4);
  return {
    start: r.start,
    keyName: r.name,
    algorithm: alg.name,
    timeSigned: u16(0) * 0x100000000 + u16(2) * 0x10000 + u16(4),
    fudge: u16(6),
    mac: d.slice(10, o),
    originalId: u16(o),
    error: u16(o + 2),
    other: d.slice(o + 6, o + 6 + otherLen),
  };
}

/**
 * Checks the answer to a signed request (RFC 8945 §5.3): its TSIG must use our key and algorithm, its MAC must
 * cover our request's MAC and the answer, and its time must be within the fudge. An answer the server could
 * not sign (it rejected our signature) is returned with `signed: false` and the TSIG error.
 *
 * @param requestMac the MAC of the request this answers
 * @param now current time, epoch ms
 * @throws {Error} for an unsigned answer without a TSIG error, a wrong MAC, key or algorithm, or a time
 *   outside the fudge
 */
export function verifyAnswer(
  answer: Uint8Array,
  key: TsigKey,
  requestMac: Uint8Array,
  now: number,
): VerifiedAnswer {
  const header = readHeader(answer);
  const tsig = readTsig(answer);
  if (tsig === undefined) {
    throw new Error(`the answer (${header.rcode === 0 ? "success" : `code ${header.rcode}`}) is not signed`);
  }
  if (tsig.keyName !== key.name.toLowerCase().replace(/\.$/, "")) {
    throw new Error(`the answer is signed with key "${tsig.keyName}", not "${key.name}"`);
  }
  if (tsig.algorithm !== key.algorithm) {
    throw new Error(`the answer is signed with "${tsig.algorithm}", not "${key.algorithm}"`);
  }
  if (tsig.mac.length === 0) {
    if (tsig.error !== 0) return { rcode: header.rcode, tsigError: tsig.error, signed: false };
    throw new Error("the answer's TSIG has no MAC");
  }
  // The MAC covers the answer as it was before the TSIG was added: additional count less one, original id.
  const unsigned = answer.slice(0, tsig.start);
  const additional = header.counts[3] - 1;
  unsigned[10] = additional >>> 8;
  unsigned[11] = additional & 0xff;
  unsigned[0] = tsig.originalId >>> 8;
  unsigned[1] = tsig.originalId & 0xff;
  const prefix = new Writer().u16(requestMac.length).bytes(requestMac).finish();
  const expected = hmac(key, [
    prefix,
    unsigned,
    variables(key, tsig.timeSigned, tsig.fudge, tsig.error, tsig.other),
  ]);
  if (expected.length !== tsig.mac.length || !timingSafeEqual(expected, tsig.mac)) {
    throw new Error("the answer's TSIG signature does not verify");
  }
  if (Math.abs(Math.floor(now / 1000) - tsig.timeSigned) > tsig.fudge) {
    throw new Error("the answer's TSIG time is outside the allowed clock difference");
  }
  return { rcode: header.rcode, tsigError: tsig.error, signed: true };
}
