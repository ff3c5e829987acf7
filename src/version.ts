/**
 * The version string (replaced at build time by `deno task compile:bun` through `--define`).
 *
 * @module
 */
declare const PMMUX_BUILD_VERSION: string | undefined;

/** pmmux version. */
export const VERSION: string = typeof PMMUX_BUILD_VERSION === "string" ? PMMUX_BUILD_VERSION : "0.1.0";
