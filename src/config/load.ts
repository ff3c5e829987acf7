/**
 * Builds the validated configuration from its layers (SPEC §2): command line > environment > config file >
 * defaults. Per option the highest layer that sets it wins; a list from a higher layer replaces the lower
 * one's list entirely. `{{env:NAME}}` is substituted in every text value once. I/O is injected.
 *
 * @module
 */
import { isAbsolute, join } from "node:path";
import { parseOptionArgs } from "../cli/args.ts";
import { readEnvLayer } from "./env_layer.ts";
import { ConfigError, configError } from "./errors.ts";
import { loadConfigParser, parseConfigText, readFileLayer } from "./file_layer.ts";
import { findOption, type Layer, type RawItem } from "./layer.ts";
import { type ConfigValues, type OptionDef, OPTIONS } from "./options.ts";
import { SpecError } from "./tokenizer.ts";
import { substituteEnv } from "./values.ts";

/** Where the configuration comes from. */
export interface LoadInput {
  /** Command line options (without the program name and without a subcommand). */
  readonly argv: readonly string[];
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working directory, absolute; relative config file paths are resolved against it. */
  readonly cwd: string;
  /** Reads a text file; returns `undefined` when it does not exist, throws on other failures. */
  readonly readTextFile: (path: string) => string | undefined;
  /** Routing strategy names from the plug-in table; when given, `--routing-strategy` must be one of them. */
  readonly knownStrategies?: readonly string[];
}

/** The validated configuration: one camelCase field per option, plus where each value came from. */
export type Config = ConfigValues & {
  /**
   * Where an option's value came from: `command line`, `environment variable PMMUX__ROUTING_STRATEGY`,
   * `config file /x/pmmux.toml` or `default`. With `index`, the source of that list element (list elements
   * from the environment each have their own variable).
   *
   * @param option Long name, alias or short letter, with or without dashes (`routing-strategy`, `-b`).
   * @throws {RangeError} for an unknown option name.
   */
  sourceOf(option: string, index?: number): string;
};

/** The source text of values nobody set. */
export const DEFAULT_SOURCE = "default";

/** The config file looked for when none is named. */
export const DEFAULT_CONFIG_FILE = "pmmux.toml";

/**
 * Loads and validates the whole configuration. `configFile` is the resolved path of the file that was read
 * (undefined when the default file does not exist), for reloads.
 *
 * @throws {ConfigError} naming the option, the value, where it came from and what is accepted, for any bad
 *   value; also for a missing explicit config file, an unreadable or unparsable one, unknown options, and
 *   `--acme-eab-kid` without `--acme-eab-hmac` (or the reverse).
 *
 * @example
 * const config = loadConfig({ argv: ["-r", "round-robin"], env: {}, cwd: "/srv", readTextFile: () => undefined });
 * config.routingStrategy; // "round-robin"
 * config.sourceOf("routing-strategy"); // "command line"
 */
export function loadConfig(input: LoadInput): Config {
  const cli = parseOptionArgs(input.argv);
  const env = readEnvLayer(input.env);
  const file = readConfigFile(cli, env, input);
  const layers = [cli, env, file.layer];
  const values: Record<string, unknown> = {};
  const settings = new Map<string, { source: string; items?: readonly RawItem[] }>();
  for (const option of OPTIONS as readonly OptionDef[]) {
    const setting = layers.map((layer) => layer.get(option.name)).find((s) => s !== undefined);
    if (setting === undefined) {
      values[option.field] = Array.isArray(option.default) ? [...option.default] : option.default;
      continue;
    }
    settings.set(option.name, setting);
    if (setting.kind === "list") {
      values[option.field] = setting.items.flatMap((item) => parseItem(option, item, input));
    } else {
      values[option.field] = parseValue(option, setting.value, setting.source, input);
    }
  }
  values.configFile = file.path;
  const config = values as Config;
  checkPairs(config, settings);
  config.sourceOf = (name: string, index?: number) => {
    const option = findOption(name);
    if (option === undefined) throw new RangeError(`Unknown option "${name}"`);
    const setting = settings.get(option.name);
    if (setting === undefined) return DEFAULT_SOURCE;
    return (index !== undefined ? setting.items?.[index]?.source : undefined) ?? setting.source;
  };
  return config;
}

/**
 * Reads the config file the input names (or the default one) and loads the parser its format needs, which
 * {@linkcode loadConfig} cannot do itself, being synchronous: the YAML and TOML parsers are imported only
 * when such a file is read. Resolves with the input whose reader hands `loadConfig` the text already read.
 * Never rejects for a configuration error: `loadConfig` reports it.
 *
 * @example const config = loadConfig(await preloadConfigFile(input));
 */
export async function preloadConfigFile(input: LoadInput): Promise<LoadInput> {
  let path: string;
  let content: string | undefined;
  try {
    path = locateConfigFile(parseOptionArgs(input.argv), readEnvLayer(input.env), input).path;
    content = input.readTextFile(path);
  } catch {
    return input;
  }
  if (content === undefined) return input;
  await loadConfigParser(path);
  const read = input.readTextFile;
  return { ...input, readTextFile: (p) => p === path ? content : read(p) };
}

/** The config file's resolved path, and the setting that named it (none: the default file). */
function locateConfigFile(cli: Layer, env: Layer, input: LoadInput) {
  const named = cli.get("config-file") ?? env.get("config-file");
  const given = named?.kind === "scalar" ? String(named.value) : DEFAULT_CONFIG_FILE;
  const text = substituteEnv(given, input.env);
  if (named !== undefined && text.trim() === "") {
    throw configError("config-file", text, named.source, "expected a file path");
  }
  return { path: isAbsolute(text) ? text : join(input.cwd, text), named };
}

function readConfigFile(cli: Layer, env: Layer, input: LoadInput): { layer: Layer; path?: string } {
  const { path, named } = locateConfigFile(cli, env, input);
  let content: string | undefined;
  try {
    content = input.readTextFile(path);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`Cannot read config file "${path}": ${reason}`, {
      cause: e,
      option: "config-file",
    });
  }
  if (content === undefined) {
    if (named === undefined) return { layer: new Map() };
    throw new ConfigError(`Config file "${path}" not found (--config-file from ${named.source})`, {
      option: "config-file",
      source: named.source,
    });
  }
  return { layer: readFileLayer(parseConfigText(path, content), path), path };
}

function parseItem(option: OptionDef, item: RawItem, input: LoadInput): unknown[] {
  if (!option.split || typeof item.value !== "string") {
    return [parseValue(option, item.value, item.source, input)];
  }
  const text = substituteEnv(item.value, input.env);
  return text.split(",").filter((s) => s.trim() !== "").map((s) =>
    parseValue(option, s, item.source, input, true)
  );
}

function parseValue(option: OptionDef, raw: unknown, source: string, input: LoadInput, substituted = false) {
  const text = typeof raw === "string" && !substituted ? substituteEnv(raw, input.env) : String(raw);
  let value: unknown;
  try {
    value = option.parse(text);
  } catch (e) {
    const detail = e instanceof SpecError ? e.detail : e instanceof Error ? e.message : String(e);
    throw configError(option.name, text, source, detail, e);
  }
  if (
    option.choicesFrom === "strategies" && input.knownStrategies &&
    !input.knownStrategies.includes(value as string)
  ) {
    throw configError(option.name, text, source, input.knownStrategies);
  }
  return value;
}

/** Options that only make sense together (long names). */
const PAIRS = [["acme-eab-kid", "acme-eab-hmac"]] as const;

function checkPairs(config: Config, settings: Map<string, { source: string }>): void {
  for (const pair of PAIRS) {
    const set = pair.filter((name) =>
      settings.has(name) && config[findOption(name)!.field as keyof Config] !== undefined
    );
    if (set.length === 0 || set.length === pair.length) continue;
    const missing = pair.find((name) => !set.includes(name));
    const source = settings.get(set[0])!.source;
    throw new ConfigError(`Option --${set[0]} (from ${source}) needs --${missing} too`, {
      option: set[0],
      source,
    });
  }
}

export { ConfigError, configError } from "./errors.ts";
