/**
 * The detector contract: a pure, synchronous function over buffered bytes.
 *
 * @module
 */

/** A probe's answer: the bytes are of this kind, are not, or more bytes are needed to tell. */
export type Verdict = "match" | "no" | "more";

/** Network protocol a detector or backend works on. */
export type Transport = "tcp" | "udp";

/**
 * A protocol detector. `detect` never throws, never does I/O and never keeps `bytes`.
 *
 * - TCP: `bytes` is every byte the client sent so far (replayable preview); too few bytes is `"more"`.
 * - UDP: `bytes` is one whole datagram; `"more"` means "wait for the next datagram of this client".
 */
export interface Detector {
  /** Name used in `detect=` (lower-case). */
  readonly name: string;
  /** Transports the detector understands; `detect=` on another transport is a startup error. */
  readonly transports: readonly Transport[];
  /** Classifies the bytes. */
  detect(bytes: Uint8Array, transport: Transport): Verdict;
}
