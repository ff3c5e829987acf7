/**
 * The few pieces of the DNS wire format (RFC 1035, RFC 2136) that a dynamic update of TXT records needs:
 * names, TXT data, resource records, the UPDATE message itself, and reading a response's header and names.
 * Written by hand because no kept dependency encodes UPDATE with TSIG; it covers exactly this and no more.
 *
 * @module
 */

/** Record types used here. */
export const TYPE = { SOA: 6, TXT: 16, TSIG: 250 } as const;
/** Record classes used here (`NONE` deletes one record in an update, RFC 2136 §2.5.4). */
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
/** The UPDATE opcode (RFC 2136 §1). */
export const OPCODE_UPDATE = 5;

const RCODES = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
];
const TSIG_ERRORS: Readonly<Record<number, string>> = {
  16: "BADSIG",
  17: "BADKEY",
  18: "BADTIME",
  22: "BADTRUNC",
};

/** The mnemonic of a response code or TSIG error (`NOTAUTH`, `BADSIG`), else its number. */
export function rcodeName(code: number): string {
  return RCODES[code] ?? TSIG_ERRORS[code] ?? String(code);
}

/** Growable byte writer in network order. */
export class Writer {
  #buf = new Uint8Array(512);
  #len = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  /** Appends one byte. */
  u8(v: number): this {
    this.#room(1);
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  /** Appends a 16-bit number. */
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }

  /** Appends a 32-bit number. */
  u32(v: number): this {
    return this.u16(Math.floor(v / 0x10000) & 0xffff).u16(v & 0xffff);
  }

  /** Appends a 48-bit number (TSIG time signed). */
  u48(v: number): this {
    return this.u16(Math.floor(v / 0x100000000) & 0xffff).u32(v % 0x100000000);
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): this {
    this.#room(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  /** The bytes written (a copy). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
}

const enc = new TextEncoder();

/**
 * A domain name in wire format, uncompressed, as written (`lowercase` gives the canonical form TSIG signs).
 *
 * @throws {RangeError} for an empty label, a label over 63 bytes or a name over 255 bytes
 */
export function encodeName(name: string, lowercase = false): Uint8Array {
  const text = name.replace(/\.$/, "");
  const w = new Writer();
  if (text !== "") {
    for (const label of text.split(".")) {
      const bytes = enc.encode(lowercase ? label.toLowerCase() : label);
      if (bytes.length === 0 || bytes.length > 63) {
        throw new RangeError(`Invalid DNS name "${name}": labels must have 1 to 63 bytes`);
      }
      w.u8(bytes.length).bytes(bytes);
    }
  }
  w.u8(0);
  if (w.length > 255) throw new RangeError(`Invalid DNS name "${name}": longer than 255 bytes`);
  return w.finish();
}

/** TXT record data: the value as character-strings of at most 255 bytes each. */
export function encodeTxt(value: string): Uint8Array {
  const bytes = enc.encode(value);
  const w = new Writer();
  if (bytes.length === 0) w.u8(0);
  for (let i = 0; i < bytes.length; i += 255) {
    const part = bytes.subarray(i, i + 255);
    w.u8(part.length).bytes(part);
  }
  return w.finish();
}

/** One resource record of an update. */
export interface UpdateRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdata: Uint8Array;
}

/** Writes a resource record (owner name uncompressed). */
export function writeRecord(w: Writer, r: UpdateRecord): void {
  w.bytes(encodeName(r.name)).u16(r.type).u16(r.class).u32(r.ttl).u16(r.rdata.length).bytes(r.rdata);
}

/** Adds the TXT record `name` = `value` (RFC 2136 §2.5.1: added to the RRset, others stay). */
export function addTxt(name: string, value: string, ttl: number): UpdateRecord {
  return { name, type: TYPE.TXT, class: CLASS.IN, ttl, rdata: encodeTxt(value) };
}

/** Deletes exactly the TXT record `name` = `value` (RFC 2136 §2.5.4: class NONE, TTL 0). */
export function deleteTxt(name: string, value: string): UpdateRecord {
  return { name, type: TYPE.TXT, class: CLASS.NONE, ttl: 0, rdata: encodeTxt(value) };
}

/**
 * An UPDATE message for `zone` with the given update records, no prerequisites and no additional records.
 *
 * @param id message id
 */
export function buildUpdate(id: number, zone: string, updates: readonly UpdateRecord[]): Uint8Array {
  const w = new Writer();
  w.u16(id).u16(OPCODE_UPDATE << 11).u16(1).u16(0).u16(updates.length).u16(0);
  w.bytes(encodeName(zone)).u16(TYPE.SOA).u16(CLASS.IN);
  for (const r of updates) writeRecord(w, r);
  return w.finish();
}

/** A message header. */
export interface Header {
  readonly id: number;
  /** True for a response (QR bit). */
  readonly response: boolean;
  readonly opcode: number;
  readonly rcode: number;
  /** Section counts: zone/question, prerequisite/answer, update/authority, additional. */
  readonly counts: readonly [number, number, number, number];
}

/**
 * Reads the 12-byte header.
 *
 * @throws {RangeError} when the message is shorter than a header
 */
export function readHeader(msg: Uint8Array): Header {
  if (msg.length < 12) throw new RangeError(`DNS message too short (${msg.length} bytes)`);
  const u16 = (o: number) => (msg[o] << 8) | msg[o + 1];
  const flags = u16(2);
  return {
    id: u16(0),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    counts: [u16(4), u16(6), u16(8), u16(10)],
  };
}

const dec = new TextDecoder();

/**
 * Reads a (possibly compressed) name at `offset`.
 *
 * @returns the name in lower case without the trailing dot, and the offset after it in the message
 * @throws {RangeError} for a truncated name or a pointer loop
 */
export function readName(msg: Uint8Array, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  let end = -1;
  for (let jumps = 0; jumps < 64;) {
    if (at >= msg.length) throw new RangeError("DNS name runs past the end of the message");
    const len = msg[at];
    if (len === 0) {
      return { name: labels.join(".").toLowerCase(), end: end < 0 ? at + 1 : end };
    }
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= msg.length) throw new RangeError("DNS name pointer runs past the end of the message");
      if (end < 0) end = at + 2;
      at = ((len & 0x3f) << 8) | msg[at + 1];
      jumps++;
      continue;
    }
    if (at + 1 + len > msg.length) throw new RangeError("DNS label runs past the end of the message");
    labels.push(dec.decode(msg.subarray(at + 1, at + 1 + len)));
    at += 1 + len;
  }
  throw new RangeError("DNS name has a compression loop");
}

/** Where the records start: after the 12-byte header and the zone/question section. */
export function skipQuestions(msg: Uint8Array, count: number): number {
  let at = 12;
  for (let i = 0; i < count; i++) at = readName(msg, at).end + 4;
  return at;
}

/** A record as read from a message. */
export interface ReadRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** Offset of the record's first byte. */
  readonly start: number;
  /** Offset of its RDATA. */
  readonly rdataAt: number;
  readonly rdata: Uint8Array;
  /** Offset after it. */
  readonly end: number;
}

/**
 * Reads the resource record at `offset`.
 *
 * @throws {RangeError} when it runs past the end of the message
 */
export function readRecord(msg: Uint8Array, offset: number): ReadRecord {
  const { name, end: at } = readName(msg, offset);
  if (at + 10 > msg.length) throw new RangeError("DNS record runs past the end of the message");
  const u16 = (o: number) => (msg[o] << 8) | msg[o + 1];
  const ttl = u16(at + 4) * 0x10000 + u16(at + 6);
  const length = u16(at + 8);
  const rdataAt = at + 10;
  if (rdataAt + length > msg.length) throw new RangeError("DNS record data runs past the end of the message");
  return {
    name,
    type: u16(at),
    class: u16(at + 2),
    ttl,
    start: offset,
    rdataAt,
    rdata: msg.subarray(rdataAt, rdataAt + length),
    end: rdataAt + length,
  };
}
