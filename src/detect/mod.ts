/**
 * Built-in protocol detectors (SPEC §16), in catalogue order, and the lookup used by `detect=`.
 *
 * Every detector is a pure, synchronous function over the bytes buffered so far (TCP) or one datagram (UDP)
 * answering "match", "no" or "more"; see {@linkcode Detector}. Adding one = a file here, an entry in
 * {@linkcode DETECTORS}, a fixture test and a README row.
 *
 * @module
 */

import type { Detector } from "./types.ts";
import { bittorrent } from "./bittorrent.ts";
import { dns } from "./dns.ts";
import { http } from "./http.ts";
import { http2 } from "./http2.ts";
import { mqtt } from "./mqtt.ts";
import { openvpn } from "./openvpn.ts";
import { postgres } from "./postgres.ts";
import { proxy } from "./proxy.ts";
import { quic } from "./quic.ts";
import { rdp } from "./rdp.ts";
import { createRegexDetector } from "./regex.ts";
import { socks4 } from "./socks4.ts";
import { socks5 } from "./socks5.ts";
import { ssh } from "./ssh.ts";
import { stun } from "./stun.ts";
import { syslog } from "./syslog.ts";
import { tls } from "./tls.ts";
import { wireguard } from "./wireguard.ts";
import { xmpp } from "./xmpp.ts";

export type { Detector, Transport, Verdict } from "./types.ts";
export { createRegexDetector } from "./regex.ts";
export type { RegexDetectorOptions } from "./regex.ts";
export { parseClientHello } from "./tls.ts";
export type { ClientHelloInfo } from "./tls.ts";

/** The built-in detectors in SPEC §16 order (`regex:<pattern>` is built on demand by {@linkcode findDetector}). */
export const DETECTORS: readonly Detector[] = Object.freeze([
  tls,
  http,
  http2,
  ssh,
  socks4,
  socks5,
  proxy,
  openvpn,
  wireguard,
  quic,
  dns,
  rdp,
  xmpp,
  postgres,
  mqtt,
  bittorrent,
  syslog,
  stun,
]);

/** Names of the built-in detectors, in {@linkcode DETECTORS} order. */
export const DETECTOR_NAMES: readonly string[] = Object.freeze(DETECTORS.map((d) => d.name));

const REGEX_PREFIX = "regex:";

/**
 * Finds a detector by its `detect=` name, ignoring case; `regex:<pattern>` builds a regex detector (the pattern
 * keeps its case).
 *
 * @param name a built-in name such as `tls`, or `regex:<pattern>`
 * @returns the detector, or undefined for an unknown name
 * @throws {SyntaxError} when a `regex:` pattern does not compile
 * @example
 * ```ts
 * findDetector("SSH")?.detect(bytes, "tcp");
 * findDetector("regex:^HELLO ");
 * ```
 */
export function findDetector(name: string): Detector | undefined {
  if (name.slice(0, REGEX_PREFIX.length).toLowerCase() === REGEX_PREFIX) {
    return createRegexDetector(name.slice(REGEX_PREFIX.length));
  }
  const wanted = name.toLowerCase();
  return DETECTORS.find((d) => d.name === wanted);
}
