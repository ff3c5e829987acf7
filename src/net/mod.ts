/**
 * Chooses the socket adapter of the running runtime. This is the one place outside `src/net/<runtime>/` that
 * looks at which runtime runs: everything else receives the adapter as a service.
 *
 * @module
 */
import type { NetAdapter } from "./types.ts";

/**
 * Names the running runtime.
 *
 * @throws {Error} on a runtime other than Deno or Bun.
 */
export function runtimeName(): "deno" | "bun" {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  throw new Error("Cannot choose a socket adapter: pmmux runs on Deno 2 or Bun 1 only");
}

/**
 * Loads the adapter of the running runtime. The other runtime's module is never imported.
 *
 * @example const net = await runtimeAdapter(); const listener = await net.listenTcp({ hostname: "::", port: 443 });
 */
export async function runtimeAdapter(): Promise<NetAdapter> {
  if (runtimeName() === "bun") return (await import("./bun/mod.ts")).bunAdapter();
  return (await import("./deno/mod.ts")).denoAdapter();
}
