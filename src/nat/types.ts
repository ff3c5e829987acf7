/**
 * The NAT client interface pmmux programs against (SPEC §13): find the device and its public address, create or
 * renew a mapping, delete one. The real implementation wraps `@silentbot1/nat-api`; tests pass a fake.
 *
 * @module
 */
import type { Transport } from "../detect/types.ts";

/** A port mapping protocol as written in the configuration (`--port-map-protocol`). */
export type PortMapProtocolName = "upnp" | "pmp";

/** The NAT device in use, as shown by the management API (enums PascalCase, SPEC §12). */
export interface NatDevice {
  /** How pmmux talks to it. */
  readonly protocol: "Upnp" | "Pmp";
  /** The device's address on the local network. */
  readonly gateway: string;
  /** The public (WAN) address the device reports. */
  readonly publicAddress: string;
}

/** A mapping to create or renew. */
export interface MapRequest {
  /** Network protocol of the mapping. */
  readonly transport: Transport;
  /** Port on this host that the mapping forwards to. */
  readonly localPort: number;
  /**
   * Public port to ask for; 0 lets the device choose (NAT-PMP, UPnP IGDv2 `AddAnyPortMapping`; an IGDv1
   * device gets the local port).
   */
  readonly publicPort: number;
  /** Requested lifetime in seconds. */
  readonly lifetime: number;
  /** Description shown on the device (UPnP only; NAT-PMP has no description field). */
  readonly description: string;
}

/** What the device granted. */
export interface MapResult {
  /** The public port the device assigned. */
  readonly publicPort: number;
  /** The local port the mapping forwards to. */
  readonly localPort: number;
  /** Granted lifetime in seconds; 0 = permanent. */
  readonly lifetime: number;
}

/** A mapping to delete. */
export interface UnmapRequest {
  readonly transport: Transport;
  readonly localPort: number;
  readonly publicPort: number;
}

/**
 * A client for one NAT device. Methods reject with an `Error` whose message says what failed and quotes the
 * values; {@linkcode NatUnreachableError} means no device answered (the caller discovers again later).
 */
export interface NatClient {
  /**
   * Finds the device and its public address; with several protocols the first answer wins and later calls
   * use that protocol.
   */
  discover(signal?: AbortSignal): Promise<NatDevice>;
  /** Creates or renews a mapping on the discovered device. */
  map(request: MapRequest, signal?: AbortSignal): Promise<MapResult>;
  /** Deletes a mapping on the discovered device. */
  unmap(request: UnmapRequest, signal?: AbortSignal): Promise<void>;
  /** Releases sockets; the client is not used afterwards. */
  close(): Promise<void>;
}

/** No NAT device answered (discovery or a request timed out, or the device refused the connection). */
export class NatUnreachableError extends Error {
  override name = "NatUnreachableError";
}
