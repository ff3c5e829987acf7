/**
 * Extensions (SPEC §17): ES modules named with `-x <module>` that add backend protocols, detectors, routing
 * strategies and negotiators to the plug-in tables. Loading happens once at startup, before the configuration
 * is validated against the merged tables (so `--routing-strategy` may name an extension's strategy).
 *
 * @module
 */
import { loadExtensions, type LoadExtensionsOptions } from "./load.ts";
import { mergeExtensions } from "./merge.ts";
import type { LoadedExtension, PluginTables } from "./types.ts";

export type { Extension, LoadedExtension, PluginTables } from "./types.ts";
export { loadExtensions, type LoadExtensionsOptions } from "./load.ts";
export { BUILTIN_PLUGINS, mergeExtensions } from "./merge.ts";
export { validateExtension } from "./validate.ts";

/** Plug-in tables plus the extensions they came from. */
export interface LoadedPlugins extends PluginTables {
  /** The extensions merged in, in load order. */
  readonly extensions: readonly LoadedExtension[];
}

/**
 * Loads the extensions a configuration names and merges them into the built-in tables.
 *
 * @param config the `extensions` list and `sourceOf` of a loaded configuration
 * @param options the working directory (relative paths) and, for tests, the importer
 * @throws {ConfigError} for a module that is missing, fails to import, has a bad shape or reuses a name
 * @example
 * const plugins = await loadPlugins(config, { cwd: process.cwd() });
 * new App({ ...options, protocols: plugins.protocols, detectors: plugins.detectors }, services);
 */
export async function loadPlugins(
  config: { readonly extensions: readonly string[]; sourceOf(option: string, index?: number): string },
  options: Omit<LoadExtensionsOptions, "sourceOf">,
): Promise<LoadedPlugins> {
  const extensions = await loadExtensions(config.extensions, {
    ...options,
    sourceOf: (i) => config.sourceOf("extension", i),
  });
  return { ...mergeExtensions(extensions), extensions };
}

/**
 * One log line per extension: what it added.
 *
 * @example describeExtension(x) // 'Extension "greeting" from "./greeting.ts": backends greeting; detectors greeting'
 */
export function describeExtension(x: LoadedExtension): string {
  const parts = (["backends", "detectors", "strategies", "negotiators"] as const)
    .filter((k) => (x.extension[k]?.length ?? 0) > 0)
    .map((k) => `${k} ${x.extension[k]!.map((p) => p.name).join(", ")}`);
  return `Extension "${x.extension.name}" loaded from "${x.specifier}": ${
    parts.join("; ") || "nothing added"
  }`;
}
