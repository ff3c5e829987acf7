/**
 * The Bun socket adapter.
 *
 * @module
 */
import type { NetAdapter } from "../types.ts";
import { connectTcp, listenTcp } from "./tcp.ts";
import { bindUdp } from "./udp.ts";
import { serveHttp } from "./http.ts";

/** Returns the {@linkcode NetAdapter} backed by Bun's socket APIs. */
export function bunAdapter(): NetAdapter {
  return { runtime: "bun", listenTcp, connectTcp, bindUdp, serveHttp };
}
