/**
 * NAT port mapping (SPEC §13): UPnP-IGD and NAT-PMP through `@silentbot1/nat-api` behind our own
 * {@linkcode NatClient} interface, and the {@linkcode PortMapManager} that maps, renews and deletes.
 *
 * @module
 */
export { createNatClient, type NatClientOptions } from "./client.ts";
export { PortMapManager, type PortMapManagerOptions } from "./manager.ts";
export type { PortMapChange, PortMapRequest, PortMapSelector } from "./requests.ts";
export { MIN_RENEWAL_INTERVAL } from "./schedule.ts";
export { createPortMapping } from "./setup.ts";
export type { NetworkProtocol, PortMapState, PortMapStatus } from "./status.ts";
export {
  type MapRequest,
  type MapResult,
  type NatClient,
  type NatDevice,
  NatUnreachableError,
  type UnmapRequest,
} from "./types.ts";
