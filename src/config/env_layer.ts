/**
 * The environment layer (SPEC §2): `PMMUX__<KEY>` with `__` nesting, lists as `PMMUX__BACKENDS__0`,
 * `PMMUX__BACKENDS__1`, ...; underscores or hyphens in the key, any case.
 *
 * @module
 */
import { ConfigError, configError } from "./errors.ts";
import { duplicateError, findOption, type Layer, type RawItem } from "./layer.ts";
import type { OptionDef } from "./options.ts";

const PREFIX = "PMMUX__";

/** The source text for one environment variable. */
export function envSource(name: string): string {
  return `environment variable ${name}`;
}

/**
 * Reads every `PMMUX__*` variable. List items are ordered by index (gaps are allowed).
 *
 * @throws {ConfigError} for an unknown option, a list option set without index, an index on a scalar
 *   option, or the same option (or list item) set by two spellings of its name.
 */
export function readEnvLayer(env: Readonly<Record<string, string | undefined>>): Layer {
  const layer: Layer = new Map();
  const scalarNames = new Map<string, string>();
  const lists = new Map<OptionDef, Map<number, { item: RawItem; name: string }>>();
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined || name.slice(0, PREFIX.length).toUpperCase() !== PREFIX) continue;
    const path = name.slice(PREFIX.length).split("__");
    const option = findOption(path[0]);
    const source = envSource(name);
    if (option === undefined || path.length > 2 || (path.length === 2 && !/^\d+$/.test(path[1]))) {
      throw new ConfigError(
        `Unknown option in environment variable ${name}: expected ${PREFIX}<OPTION> or ${PREFIX}<LIST OPTION>__<index>`,
        { source },
      );
    }
    if (option.type === "list" && path.length === 1) {
      const hint = `${name}__0, ${name}__1, ...`;
      throw configError(option.name, value, source, `expected a list: set ${hint}`);
    }
    if (option.type !== "list" && path.length === 2) {
      throw configError(option.name, value, source, `expected a single value: set ${PREFIX}${path[0]}`);
    }
    if (path.length === 1) {
      const previous = scalarNames.get(option.name);
      if (previous !== undefined) throw duplicateError(option, "the environment", previous, name);
      scalarNames.set(option.name, name);
      layer.set(option.name, { kind: "scalar", value, source });
      continue;
    }
    const items = lists.get(option) ?? new Map();
    lists.set(option, items);
    const index = Number(path[1]);
    const previous = items.get(index);
    if (previous !== undefined) throw duplicateError(option, "the environment", previous.name, name);
    items.set(index, { item: { value, source }, name });
  }
  for (const [option, items] of lists) {
    const ordered = [...items].sort((a, b) => a[0] - b[0]).map(([, entry]) => entry);
    const names = ordered.map((entry) => entry.name);
    const source = names.length === 1 ? envSource(names[0]) : `environment variables ${names.join(", ")}`;
    layer.set(option.name, { kind: "list", items: ordered.map((entry) => entry.item), source });
  }
  return layer;
}
