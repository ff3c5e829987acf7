/**
 * Command line handling with `node:util` `parseArgs`: the subcommand (`install`, `uninstall`, `version`,
 * `help`, or running the multiplexer) and the command line layer of the configuration.
 *
 * `parseArgs` runs non-strict with tokens so that every mistake gets the same `ConfigError` wording on Deno
 * and Bun; this module then rejects unknown options, missing values and stray arguments itself.
 * Booleans accept `--tls-enable`, `--tls-enable=false` and `--tls-enable false`.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "../config/errors.ts";
import { COMMAND_LINE, type Layer, type RawItem, type RawSetting, type RawValue } from "../config/layer.ts";
import { type OptionDef, OPTIONS } from "../config/options.ts";

export type { Layer, RawItem, RawSetting, RawValue };

/** Subcommands, besides running. */
export const SUBCOMMANDS = ["install", "uninstall", "version", "help"] as const;

/** What the command line asks for. */
export type Command =
  | {
    /** Run the multiplexer; `argv` holds the options, for `loadConfig`. */
    readonly command: "run";
    readonly argv: readonly string[];
  }
  | {
    /** Install the systemd service. */
    readonly command: "install";
    /** Options for the service's command line, as one string. */
    readonly arguments?: string;
    /** Write under this root instead of `/` (testing). */
    readonly root?: string;
  }
  | {
    /** Remove the systemd service. */
    readonly command: "uninstall";
    /** Write under this root instead of `/` (testing). */
    readonly root?: string;
  }
  | { /** Print `pmmux <version>`. */ readonly command: "version" }
  | {
    /** Print help, for the whole program or one subcommand. */
    readonly command: "help";
    readonly topic?: "install" | "uninstall" | "version";
  };

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];
type OptionToken = Extract<Token, { kind: "option" }>;

const HELP_OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

/** `parseArgs` options for running: every long name and alias of the table, plus help and version. */
const RUN_OPTIONS: NonNullable<ParseArgsConfig["options"]> = Object.fromEntries([
  ...OPTIONS.flatMap((o: OptionDef) =>
    [o.name, ...o.aliases].map((name, i) => [name, {
      type: o.type === "bool" ? "boolean" as const : "string" as const,
      multiple: o.type === "list",
      ...(i === 0 && o.short ? { short: o.short } : {}),
    }])
  ),
  ...Object.entries(HELP_OPTIONS),
]);

const BY_CLI_NAME = new Map(OPTIONS.flatMap((o: OptionDef) => [o.name, ...o.aliases].map((n) => [n, o])));

function tokenize(argv: readonly string[], options: ParseArgsConfig["options"]): Token[] {
  return parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true }).tokens;
}

/**
 * Reads the options of a run command line into a configuration layer. List options accumulate in order
 * across their aliases (`-b a --backends b`); a repeated single-valued option keeps its last value.
 * `--help` and `--version` are ignored here (see {@linkcode parseCommand}).
 *
 * @throws {ConfigError} for an unknown option, a missing value, or an unexpected argument.
 */
export function parseOptionArgs(argv: readonly string[]): Layer {
  const tokens = tokenize(argv, RUN_OPTIONS);
  const layer: Layer = new Map();
  const lists = new Map<string, RawItem[]>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      throw new ConfigError(`Unexpected argument "${token.value}" on the command line: see pmmux --help`);
    }
    if (Object.hasOwn(HELP_OPTIONS, token.name)) continue;
    const option = BY_CLI_NAME.get(token.name);
    if (option === undefined) throw unknownOption(token);
    let value: string;
    if (option.type === "bool") {
      const next = tokens[i + 1];
      if (token.value !== undefined) {
        value = token.value;
      } else if (next?.kind === "positional" && /^(true|false)$/i.test(next.value)) {
        value = next.value;
        i++;
      } else {
        value = "true";
      }
    } else {
      value = optionValue(token, option);
    }
    if (option.type === "list") {
      const items = lists.get(option.name) ?? [];
      lists.set(option.name, items);
      items.push({ value, source: COMMAND_LINE });
      layer.set(option.name, { kind: "list", items, source: COMMAND_LINE });
    } else {
      layer.set(option.name, { kind: "scalar", value, source: COMMAND_LINE });
    }
  }
  return layer;
}

function unknownOption(token: OptionToken): ConfigError {
  return new ConfigError(`Unknown option "${token.rawName}" on the command line: see pmmux --help`);
}

/**
 * The value of a string option token. A separate value starting with `-` (other than a negative number) is
 * taken as a forgotten value followed by the next option, as `parseArgs` does in strict mode, unless
 * `dashOk` (for `install --arguments "-b ..."`).
 */
function optionValue(
  token: OptionToken,
  option: { name: string; valueName: string },
  dashOk = false,
): string {
  const { value } = token;
  if (value === undefined) {
    throw new ConfigError(
      `Missing value for --${option.name} (from ${COMMAND_LINE}): expected ${token.rawName} ${option.valueName}`,
      { option: option.name, source: COMMAND_LINE },
    );
  }
  if (!token.inlineValue && !dashOk && /^-[^\d]/.test(value)) {
    throw new ConfigError(
      `Missing value for --${option.name} (from ${COMMAND_LINE}) before option "${value}": ` +
        `write --${option.name}=${value} for a value starting with "-"`,
      { option: option.name, source: COMMAND_LINE },
    );
  }
  return value;
}

/**
 * Decides what the command line asks for. The first argument selects a subcommand (`install`, `uninstall`,
 * `version`, `help`); otherwise the arguments are options for running, and `--help`/`-h` or `--version`
 * anywhere among them win. Run options are validated here (unknown options, missing values); their values
 * are parsed later by `loadConfig`.
 *
 * @throws {ConfigError} for an unknown command or option, a missing value or a stray argument.
 *
 * @example
 * parseCommand(["install", "--arguments", "-c /etc/pmmux/pmmux.toml"]);
 * // { command: "install", arguments: "-c /etc/pmmux/pmmux.toml" }
 */
export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === "install") {
    const values = subcommandValues("install", rest, { arguments: true, root: true });
    if (values === "help") return { command: "help", topic: "install" };
    return { command: "install", ...values };
  }
  if (first === "uninstall") {
    const values = subcommandValues("uninstall", rest, { root: true });
    if (values === "help") return { command: "help", topic: "uninstall" };
    return { command: "uninstall", ...(values.root !== undefined ? { root: values.root } : {}) };
  }
  if (first === "version") {
    return subcommandValues("version", rest, {}) === "help"
      ? { command: "help", topic: "version" }
      : { command: "version" };
  }
  if (first === "help") {
    const topic = rest[0];
    if (topic === undefined) return { command: "help" };
    if (rest.length > 1 || !SUBCOMMANDS.includes(topic as typeof SUBCOMMANDS[number]) || topic === "help") {
      throw new ConfigError(`Unknown help topic "${rest.join(" ")}": expected install, uninstall or version`);
    }
    return { command: "help", topic: topic as "install" | "uninstall" | "version" };
  }
  if (first !== undefined && !first.startsWith("-")) {
    throw new ConfigError(`Unknown command "${first}": expected ${SUBCOMMANDS.join(", ")} or options`);
  }
  for (const token of tokenize(argv, RUN_OPTIONS)) {
    if (token.kind === "option" && token.name === "help") return { command: "help" };
    if (token.kind === "option" && token.name === "version") return { command: "version" };
  }
  parseOptionArgs(argv);
  return { command: "run", argv: [...argv] };
}

/** Parses a subcommand's own options (`--arguments`, `--root`; `--help`). */
function subcommandValues<K extends "arguments" | "root">(
  command: string,
  argv: readonly string[],
  accepted: Partial<Record<K, true>>,
): Partial<Record<K, string>> | "help" {
  const options = {
    ...Object.fromEntries(Object.keys(accepted).map((k) => [k, { type: "string" as const }])),
    help: HELP_OPTIONS.help,
  };
  const values: Partial<Record<K, string>> = {};
  for (const token of tokenize(argv, options)) {
    if (token.kind === "option" && token.name === "help") return "help";
    if (token.kind === "positional" || token.kind === "option-terminator") {
      const what = token.kind === "positional" ? token.value : "--";
      throw new ConfigError(
        `Unexpected argument "${what}" for pmmux ${command}: see pmmux ${command} --help`,
      );
    }
    if (!Object.hasOwn(accepted, token.name)) {
      throw new ConfigError(
        `Unknown option "${token.rawName}" for pmmux ${command}: see pmmux ${command} --help`,
      );
    }
    const name = token.name as K;
    values[name] = optionValue(
      token,
      { name, valueName: name === "root" ? "<dir>" : '"<args>"' },
      name !== "root",
    );
  }
  return values;
}
