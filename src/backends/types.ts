/**
 * Types backend plug-ins import (re-exported from the core contract).
 *
 * @module
 */
export type {
  BackendHandler,
  BackendProtocol,
  BackendServices,
  BackendSpec,
  ConnContext,
  UdpSession,
  UdpSessionContext,
} from "../core/backend.ts";
export type { Conn } from "../net/types.ts";
