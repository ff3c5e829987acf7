/**
 * Shared helpers of the detector tests: named fixtures, byte builders, the cut-point and garbage checks.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Detector, Transport, Verdict } from "../../src/detect/types.ts";

/** One row of a detector table: a named byte sample, the transport and the expected verdict. */
export interface Case {
  name: string;
  bytes: Uint8Array;
  transport: Transport;
  want: Verdict;
}

/** Reads `tests/fixtures/<name>`. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))));
}

/** Bytes from hex digits; spaces and line breaks are ignored. */
export function hex(s: string): Uint8Array {
  return Uint8Array.from(s.replace(/\s+/g, "").match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** Bytes of a latin-1 string (one byte per character). */
export function text(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** A copy of `bytes` with `patch` written at `at` (negative counts from the end). */
export function patched(bytes: Uint8Array, at: number, ...patch: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(patch, at < 0 ? bytes.length + at : at);
  return out;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Asserts "more" for every proper prefix of `bytes` (the empty one included) and "match" for all of it. */
export function assertMoreAtEveryCut(detector: Detector, bytes: Uint8Array, upTo = bytes.length): void {
  for (let cut = 0; cut < upTo; cut++) {
    assert.equal(detector.detect(bytes.subarray(0, cut), "tcp"), "more", `cut at ${cut} of ${bytes.length}`);
  }
  assert.equal(detector.detect(bytes, "tcp"), "match");
}

/**
 * Feeds 2000 seeded random inputs (pure noise, and valid samples with bytes flipped or cut) on each transport of
 * the detector; asserts it never throws, always answers a verdict, and never "more" for a datagram.
 */
export function assertNeverThrows(detector: Detector, samples: Uint8Array[] = []): void {
  let seed = 0x5eed;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  for (let i = 0; i < 2000; i++) {
    let bytes: Uint8Array;
    if (samples.length > 0 && i % 2 === 0) {
      const sample = samples[next() % samples.length];
      bytes = sample.slice(0, 1 + (next() % sample.length));
      for (let flips = next() % 4; flips >= 0; flips--) bytes[next() % bytes.length] = next() & 0xff;
    } else {
      bytes = Uint8Array.from({ length: next() % 300 }, () => next() & 0xff);
    }
    for (const transport of detector.transports) {
      const verdict = detector.detect(bytes, transport);
      assert.ok(verdict === "match" || verdict === "no" || verdict === "more", `verdict ${verdict}`);
      // A datagram is whole: none of the built-in detectors waits for the next one.
      if (transport === "udp") assert.notEqual(verdict, "more");
    }
  }
}

/** Asserts every row of a table (used inside one `test` per row by the callers). */
export function assertCase(detector: Detector, c: Case): void {
  assert.equal(detector.detect(c.bytes, c.transport), c.want, c.name);
}
