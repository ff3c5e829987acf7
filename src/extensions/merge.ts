/**
 * Appends the plug-ins of loaded extensions to the built-in tables. Extensions add, never replace: a name
 * already taken by a built-in or an earlier extension is a configuration error.
 *
 * @module
 */
import { BACKENDS } from "../backends/mod.ts";
import { DETECTOR_NAMES } from "../detect/mod.ts";
import { STRATEGIES } from "../strategies/mod.ts";
import { ConfigError } from "../config/errors.ts";
import type { LoadedExtension, PluginTables } from "./types.ts";

/** The built-in plug-in tables (what the app runs with when no extension is loaded). */
export const BUILTIN_PLUGINS: PluginTables = Object.freeze({
  protocols: BACKENDS,
  strategies: STRATEGIES,
  negotiators: [],
  detectors: [],
});

/**
 * Merges extensions into the plug-in tables, in load order.
 *
 * @param loaded validated extensions with their origin
 * @param builtins the tables to extend (built-in detector names are always taken)
 * @returns the merged tables
 * @throws {ConfigError} when an extension reuses a name, naming both owners
 */
export function mergeExtensions(
  loaded: readonly LoadedExtension[],
  builtins: PluginTables = BUILTIN_PLUGINS,
): PluginTables {
  const tables = {
    protocols: [...builtins.protocols],
    strategies: [...builtins.strategies],
    negotiators: [...builtins.negotiators],
    detectors: [...builtins.detectors],
  };
  const owners = new Map<string, string>();
  const claim = (kind: string, name: string, owner: string, x: LoadedExtension) => {
    const key = `${kind}\0${name}`;
    const previous = owners.get(key);
    if (previous !== undefined) {
      throw new ConfigError(
        `Invalid extension "${x.extension.name}" in "${x.specifier}" (from ${x.source}): ` +
          `${kind} "${name}" is already defined by ${previous}`,
        { option: "extension", source: x.source },
      );
    }
    owners.set(key, owner);
  };
  const builtin = "pmmux itself";
  tables.protocols.forEach((p) => owners.set(`backend protocol\0${p.name}`, builtin));
  tables.strategies.forEach((s) => owners.set(`routing strategy\0${s.name}`, builtin));
  tables.negotiators.forEach((n) => owners.set(`negotiator\0${n.name}`, builtin));
  [...DETECTOR_NAMES, "regex", ...tables.detectors.map((d) => d.name)]
    .forEach((name) => owners.set(`detector\0${name}`, builtin));
  for (const x of loaded) {
    const owner = `extension "${x.extension.name}" in "${x.specifier}"`;
    for (const p of x.extension.backends ?? []) claim("backend protocol", p.name, owner, x);
    for (const s of x.extension.strategies ?? []) claim("routing strategy", s.name, owner, x);
    for (const n of x.extension.negotiators ?? []) claim("negotiator", n.name, owner, x);
    for (const d of x.extension.detectors ?? []) claim("detector", d.name, owner, x);
    tables.protocols.push(...x.extension.backends ?? []);
    tables.strategies.push(...x.extension.strategies ?? []);
    tables.negotiators.push(...x.extension.negotiators ?? []);
    tables.detectors.push(...x.extension.detectors ?? []);
  }
  return tables;
}
