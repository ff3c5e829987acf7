/**
 * Runtime requests to the port map manager (`POST`/`DELETE /api/port-maps`): their shapes, validation, and how
 * they match the mappings kept.
 *
 * @module
 */
import type { Transport } from "../detect/types.ts";
import type { Entry, NetworkProtocol, PortMapStatus } from "./status.ts";
import type { NatDevice } from "./types.ts";

/** A mapping to add at run time (`POST /api/port-maps`). The network protocol is accepted in any case. */
export interface PortMapRequest {
  networkProtocol: NetworkProtocol | Lowercase<NetworkProtocol> | Uppercase<NetworkProtocol>;
  /** Local port; omitted = the port the device assigns (`?`). */
  localPort?: number;
  /** Public port; omitted = the local port when given, else the device chooses (`?`). */
  publicPort?: number;
}

/** A mapping to remove at run time (`DELETE /api/port-maps`): matched by protocol and the ports given. */
export interface PortMapSelector {
  networkProtocol: PortMapRequest["networkProtocol"];
  localPort?: number;
  publicPort?: number;
}

/** What changed, for `PortMapManager.onChange`. */
export type PortMapChange =
  | { readonly type: "device"; readonly device: NatDevice | undefined }
  | { readonly type: "mapping"; readonly mapping: PortMapStatus }
  | { readonly type: "removed"; readonly mapping: PortMapStatus };

/**
 * The transport of a network protocol name in any case.
 *
 * @throws {RangeError} for anything but TCP or UDP.
 */
export function transportOf(protocol: string): Transport {
  const lower = String(protocol).toLowerCase();
  if (lower !== "tcp" && lower !== "udp") {
    throw new RangeError(`Unknown network protocol "${protocol}": expected Tcp or Udp`);
  }
  return lower;
}

/**
 * Checks a port number from a request.
 *
 * @throws {RangeError} unless it is an integer from 1 to 65535.
 */
export function checkPort(port: number, which: "local" | "public"): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Invalid ${which} port "${port}": expected an integer from 1 to 65535`);
  }
  return port;
}

/** A kept mapping of the same transport that already uses the local or public port. */
export function findClash(
  entries: readonly Entry[],
  transport: Transport,
  local: number | "?",
  pub: number | "?",
): Entry | undefined {
  return entries.find((e) =>
    e.transport === transport &&
    ((typeof local === "number" && (e.localPort ?? e.wantLocal) === local) ||
      (typeof pub === "number" && (e.publicPort ?? e.wantPublic) === pub))
  );
}

/** The first kept mapping of the transport whose ports equal those the selector gives. */
export function findEntry(
  entries: readonly Entry[],
  transport: Transport,
  selector: PortMapSelector,
): Entry | undefined {
  return entries.find((e) =>
    e.transport === transport &&
    (selector.localPort === undefined || (e.localPort ?? e.wantLocal) === selector.localPort) &&
    (selector.publicPort === undefined || (e.publicPort ?? e.wantPublic) === selector.publicPort)
  );
}
