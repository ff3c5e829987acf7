/**
 * Runs the socket adapter conformance suite on the adapter of the running runtime: `deno test` checks the
 * Deno adapter, `bun test` the Bun one.
 *
 * @module
 */
import { runtimeAdapter, runtimeName } from "../../src/net/mod.ts";
import { adapterConformance } from "./conformance.ts";

adapterConformance(runtimeName(), runtimeAdapter);
