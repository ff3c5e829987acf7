/**
 * `detect=<name>` (SPEC §20.1): a protocol detector from the catalogue (§16) over the buffered bytes.
 *
 * @module
 */
import { DETECTOR_NAMES, findDetector } from "../detect/mod.ts";
import type { Detector } from "../detect/types.ts";
import { type MatcherDecl, TransportMismatchError } from "./types.ts";

/**
 * Builds the detect matcher. Names are looked up among the built-ins first ({@linkcode findDetector}), then in
 * `extra` (detectors added by extensions, SPEC §17), ignoring case.
 *
 * @param extra detectors beyond the built-in catalogue
 * @example createDetectMatcher([greetingDetector]).compile("greeting", undefined, "tcp");
 */
export function createDetectMatcher(extra: readonly Detector[] = []): MatcherDecl {
  return {
    key: "detect",
    help: "protocol detector name (see the detector table) or regex:<pattern>",
    needsBytes: true,
    compile(value, _index, transport) {
      const wanted = value.trim();
      const detector = findDetector(wanted) ?? extra.find((d) => d.name === wanted.toLowerCase());
      if (!detector) {
        const names = [...DETECTOR_NAMES, ...extra.map((d) => d.name)];
        throw new RangeError(
          `unknown detector "${value}": expected one of ${names.join(", ")}, regex:<pattern>`,
        );
      }
      if (!detector.transports.includes(transport)) {
        throw new TransportMismatchError(
          `detector "${detector.name}" does not work on ${transport.toUpperCase()}: it supports ${
            detector.transports.join(", ")
          }`,
        );
      }
      return (input) => detector.detect(input.bytes, transport);
    },
  };
}

/** The detect matcher over the built-in detectors. */
export const DETECT_MATCHER: MatcherDecl = createDetectMatcher();
