/**
 * The config file layer (SPEC §2): TOML, YAML or JSON by extension, every key under a top-level `pmmux`
 * table, keys being long option names or aliases; numbers and booleans native or as strings; a scalar given
 * for a list option is an error.
 *
 * @module
 */
import { ConfigError, configError } from "./errors.ts";
import { duplicateError, findOption, type Layer, type RawItem, type RawValue } from "./layer.ts";

/** A config file parser: the text to a document, and the one-line description of its syntax errors. */
export interface ConfigParser {
  parse(text: string): unknown;
  describe?(error: unknown): string;
}

/**
 * Config file formats by extension (lower-case, with the dot), each loading its parser. The YAML and TOML
 * parsers are imported only when a file of theirs is read: together they weigh 5-8 MiB of resident memory,
 * which a process configured from the command line does not need.
 */
export const CONFIG_FORMATS: Readonly<Record<string, () => Promise<ConfigParser>>> = {
  ".toml": async () => {
    const { parse, TomlError } = await import("smol-toml");
    return {
      parse: (text) => parse(text),
      describe: (e) =>
        e instanceof TomlError ? `${firstLine(e)} at line ${e.line}, column ${e.column}` : firstLine(e),
    };
  },
  ".yaml": loadYaml,
  ".yml": loadYaml,
  ".json": () => Promise.resolve(JSON_PARSER),
};

async function loadYaml(): Promise<ConfigParser> {
  const { parse } = await import("yaml");
  return { parse: (text) => parse(text) };
}

const JSON_PARSER: ConfigParser = { parse: (text) => JSON.parse(text) };

/** Parsers loaded so far, by extension. */
const parsers = new Map<string, ConfigParser>([[".json", JSON_PARSER]]);

/** The extension of a path, lower-case with the dot (`""` without one). */
function extensionOf(path: string): string {
  return /\.[^./\\]*$/.exec(path)?.[0].toLowerCase() ?? "";
}

/**
 * Loads the parser for a config file path's extension, so {@linkcode parseConfigText} can then parse it
 * synchronously. Does nothing for an unsupported extension (parsing reports it) or a parser already loaded.
 *
 * @example await loadConfigParser("/etc/pmmux.yaml"); parseConfigText("/etc/pmmux.yaml", text);
 */
export async function loadConfigParser(path: string): Promise<void> {
  const extension = extensionOf(path);
  if (parsers.has(extension) || !Object.hasOwn(CONFIG_FORMATS, extension)) return;
  parsers.set(extension, await CONFIG_FORMATS[extension]());
}

/** The source text for a config file. */
export function fileSource(path: string): string {
  return `config file ${path}`;
}

/**
 * Parses a config file's text into a document, by the path's extension. The format's parser must have been
 * loaded with {@linkcode loadConfigParser} (JSON's always is).
 *
 * @throws {ConfigError} for an unsupported extension or a syntax error (with the parser's error as cause).
 * @throws {Error} when the parser of a supported extension was not loaded (a programming error).
 */
export function parseConfigText(path: string, text: string): unknown {
  const extension = extensionOf(path);
  if (!Object.hasOwn(CONFIG_FORMATS, extension)) {
    throw new ConfigError(`Unsupported config file "${path}": expected a .toml, .yaml, .yml or .json file`);
  }
  const parser = parsers.get(extension);
  if (parser === undefined) {
    throw new Error(`The ${extension} config file parser is not loaded: await loadConfigParser() first`);
  }
  try {
    return parser.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    const reason = parser.describe ? parser.describe(e) : firstLine(e);
    throw new ConfigError(`Cannot parse config file "${path}": ${reason}`, { cause: e });
  }
}

/** The first line of a parser's message (TOML and YAML add a code excerpt below). */
function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].replace(/:\s*$/, "");
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
