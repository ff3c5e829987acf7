/**
 * `detect=<name>` (SPEC §20.1): a protocol detector from the catalogue (§16) over the buffered bytes.
 *
 * @module
 */
import { DETECTOR_NAMES, findDetector } from "../detect/mod.ts";
import { type MatcherDecl, TransportMismatchError } from "./types.ts";

/** The detect matcher. */
export const DETECT_MATCHER: MatcherDecl = {
  key: "detect",
  help: "protocol detector name (see the detector table) or regex:<pattern>",
  needsBytes: true,
  compile(value, _index, transport) {
    const detector = findDetector(value.trim());
    if (!detector) {
      throw new RangeError(
        `unknown detector "${value}": expected one of ${DETECTOR_NAMES.join(", ")}, regex:<pattern>`,
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
