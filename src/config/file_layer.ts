/**
 * The config file layer (SPEC §2): TOML, YAML or JSON by extension, every key under a top-level `pmmux`
 * table, keys being long option names or aliases; numbers and booleans native or as strings; a scalar given
 * for a list option is an error.
 *
 * @module
 */
import { parse as parseToml, TomlError } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { ConfigError, configError } from "./errors.ts";
import { duplicateError, findOption, type Layer, type RawItem, type RawValue } from "./layer.ts";

/** Config file formats by extension (lower-case, with the dot). */
export const CONFIG_FORMATS: Readonly<Record<string, (text: string) => unknown>> = {
  ".toml": (text) => parseToml(text),
  ".yaml": (text) => parseYaml(text),
  ".yml": (text) => parseYaml(text),
  ".json": (text) => JSON.parse(text),
};

/** The source text for a config file. */
export function fileSource(path: string): string {
  return `config file ${path}`;
}

/**
 * Parses a config file's text into a document, by the path's extension.
 *
 * @throws {ConfigError} for an unsupported extension or a syntax error (with the parser's error as cause).
 */
export function parseConfigText(path: string, text: string): unknown {
  const extension = /\.[^./\\]*$/.exec(path)?.[0].toLowerCase() ?? "";
  const parse = Object.hasOwn(CONFIG_FORMATS, extension) ? CONFIG_FORMATS[extension] : undefined;
  if (parse === undefined) {
    throw new ConfigError(`Unsupported config file "${path}": expected a .toml, .yaml, .yml or .json file`);
  }
  try {
    return parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new ConfigError(`Cannot parse config file "${path}": ${describeSyntaxError(e)}`, { cause: e });
  }
}

/** The first line of a parser's message (TOML and YAML add a code excerpt below), with TOML's position. */
function describeSyntaxError(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split("\n")[0].replace(/:\s*$/, "");
  return e instanceof TomlError ? `${first} at line ${e.line}, column ${e.column}` : first;
}

/**
 * Turns a parsed document into a layer. An empty document sets nothing.
 *
 * @param doc The parsed file.
 * @param path The file's resolved path, for messages.
 * @throws {ConfigError} when the `pmmux` table is missing or not a table, for an unknown key, the config
 *   file option itself, an option set twice (`backend` and `backends`), a scalar for a list option, a list
 *   or table for a scalar option, or a list element that is not a scalar.
 */
export function readFileLayer(doc: unknown, path: string): Layer {
  const source = fileSource(path);
  const layer: Layer = new Map();
  if (doc === null || doc === undefined) return layer;
  if (!isTable(doc)) throw new ConfigError(`Config file "${path}" must hold a table with a "pmmux" key`);
  const rootKey = Object.keys(doc).find((k) => k.toLowerCase() === "pmmux");
  if (rootKey === undefined) {
    if (Object.keys(doc).length === 0) return layer;
    throw new ConfigError(`Config file "${path}" has no top-level "pmmux" table: put every option under it`);
  }
  const table = doc[rootKey];
  if (table === null || table === undefined) return layer;
  if (!isTable(table)) {
    throw new ConfigError(`Config file "${path}": "${rootKey}" must be a table of options`);
  }
  const keys = new Map<string, string>();
  for (const [key, value] of Object.entries(table)) {
    const option = findOption(key);
    if (option === undefined) {
      throw new ConfigError(`Unknown option "${key}" in ${source}: see pmmux --help`, { source });
    }
    if (option.bootstrap) {
      throw new ConfigError(`Option --${option.name} cannot be set in ${source}`, {
        option: option.name,
        source,
      });
    }
    const previous = keys.get(option.name);
    if (previous !== undefined) throw duplicateError(option, source, previous, key);
    keys.set(option.name, key);
    if (value === null || value === undefined) continue;
    if (option.type === "list") {
      if (!Array.isArray(value)) throw configError(option.name, value, source, "expected a list of values");
      const items: RawItem[] = value.map((element) => {
        if (!isScalar(element)) throw configError(option.name, element, source, "expected a string");
        return { value: element, source };
      });
      layer.set(option.name, { kind: "list", items, source });
    } else {
      if (!isScalar(value)) throw configError(option.name, value, source, "expected a single value");
      layer.set(option.name, { kind: "scalar", value, source });
    }
  }
  return layer;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function isScalar(value: unknown): value is RawValue {
  return typeof value === "string" || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
}
