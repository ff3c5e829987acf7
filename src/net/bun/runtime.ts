/**
 * The Bun global, typed by hand (see `bun_types.d.ts`).
 *
 * @module
 */
import type { BunApi } from "./bun_types.d.ts";

/** `globalThis.Bun` with the adapter's types. */
export const bun: BunApi = (globalThis as unknown as { Bun: BunApi }).Bun;
