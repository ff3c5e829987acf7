/**
 * `local-ip`, `remote-ip`, `local-port`, `remote-port` (SPEC §6): the connection's real addresses, the ones the
 * `socket.*` properties show (a trusted PROXY header replaces the remote side in both). They are read from the
 * probe's `local` and `client` rather than from `props`, which would build the property map for every
 * connection routed by port.
 *
 * @module
 */
import { inRange, parseCidr } from "./ip.ts";
import { parsePortRange } from "./port.ts";
import type { MatcherDecl } from "./types.ts";
import type { ProbeInput } from "../core/backend.ts";
import type { NetAddr } from "../net/types.ts";

/** Which side of the connection a matcher reads. */
type Side = (input: ProbeInput) => NetAddr;
const LOCAL: Side = (input) => input.local;
const CLIENT: Side = (input) => input.client;
/** The port of a side; the local one without reading `local` when the router gives it (see `ProbeInput`). */
type PortOf = (input: ProbeInput) => number;
const LOCAL_PORT: PortOf = (input) => input.localPort ?? input.local.port;
const CLIENT_PORT: PortOf = (input) => input.client.port;

function ipMatcher(key: string, side: Side): MatcherDecl {
  return {
    key,
    help: "IP or CIDR (10.0.0.0/8, 1.2.3.4, ::1)",
    needsBytes: false,
    compile(value) {
      const range = parseCidr(value);
      return (input) => inRange(range, side(input).ip) ? "match" : "no";
    },
  };
}

function portMatcher(key: string, portOf: PortOf): MatcherDecl {
  return {
    key,
    help: "port N or range A-B",
    needsBytes: false,
    compile(value) {
      const { from, to } = parsePortRange(value);
      return (input) => {
        const p = portOf(input);
        return p >= from && p <= to ? "match" : "no";
      };
    },
  };
}

/** The address matchers. */
export const ADDRESS_MATCHERS: readonly MatcherDecl[] = [
  ipMatcher("local-ip", LOCAL),
  ipMatcher("remote-ip", CLIENT),
  portMatcher("local-port", LOCAL_PORT),
  portMatcher("remote-port", CLIENT_PORT),
];
