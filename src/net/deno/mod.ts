/**
 * The Deno socket adapter. Needs `--unstable-net` for UDP (`Deno.listenDatagram`).
 *
 * @module
 */
import type { NetAdapter } from "../types.ts";
import { connectTcp, listenTcp } from "./tcp.ts";
import { bindUdp } from "./udp.ts";
import { serveHttp } from "./http.ts";

/** Returns the {@linkcode NetAdapter} backed by Deno's socket APIs. */
export function denoAdapter(): NetAdapter {
  return { runtime: "deno", listenTcp, connectTcp, bindUdp, serveHttp };
}
