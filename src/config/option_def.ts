/**
 * The shape of one row of the options table (`options.ts`) and the two builders that make rows, so that the
 * `Config` type can be derived from the table instead of being written twice.
 *
 * @module
 */
import { parseBool, parseChoice, parseInteger } from "./values.ts";

/** Option groups, in `--help` order. */
export const OPTION_GROUPS = [
  { id: "core", title: "Core options" },
  { id: "nat", title: "NAT port mapping (extension)" },
  { id: "logging", title: "Logging and metrics" },
  { id: "limits", title: "Limits" },
  { id: "tls", title: "TLS (extension)" },
  { id: "management", title: "Management API and web UI (extension)" },
  { id: "acme", title: "ACME certificates (extension)" },
  { id: "otlp", title: "OpenTelemetry export (extension)" },
] as const;

/** An option group id. */
export type OptionGroup = typeof OPTION_GROUPS[number]["id"];

/** Type of one value (a scalar option, or one element of a list option). */
export type ValueType =
  | "string"
  | "int"
  | "bool"
  | "enum"
  | "level"
  | "ip"
  | "url"
  | "rate"
  | "spec"
  | "path";

/** Type of an option: a value type, or `list` (repeatable; see `element`). */
export type OptionType = ValueType | "list";

/** The element type of a list value, or the value type itself. */
export type Elem<T> = T extends readonly (infer E)[] ? E : T;

/** One configuration option: a row of the table in `options.ts`. */
export interface OptionDef<F extends string = string, T = unknown> {
  /** Long name without dashes (`routing-strategy`); also the config file key. */
  readonly name: string;
  /** Field of `Config` holding the value (`routingStrategy`). */
  readonly field: F;
  /** One-letter short option (`r` for `-r`). */
  readonly short?: string;
  /** Other long names (`backends` for `backend`); accepted on every layer. */
  readonly aliases: readonly string[];
  /** Help section. */
  readonly group: OptionGroup;
  /** Value type; `list` for repeatable options. */
  readonly type: OptionType;
  /** Element type of a list option. */
  readonly element?: ValueType;
  /** Placeholder in `--help` (`<ms>`); empty for booleans. */
  readonly valueName: string;
  /** Value when no layer sets the option. */
  readonly default: T;
  /** How `--help` shows the default (`5000`, `auto`, `none`). */
  readonly defaultText: string;
  /** Accepted values for enumerations (canonical spelling; input is case-insensitive). */
  readonly values?: readonly string[];
  /** One line for `--help`. */
  readonly help: string;
  /** List elements given as text are also split on `,` (`--tls-alpn h2,http/1.1`). */
  readonly split?: boolean;
  /** The accepted values come from a plug-in table handed to the loader (`knownStrategies`). */
  readonly choicesFrom?: "strategies";
  /** Only read from the command line and the environment (the config file path itself). */
  readonly bootstrap?: boolean;
  /**
   * Parses one value (a list element for list options). Throws an `Error` whose message is the detail of what
   * is accepted (`expected an integer from 1 to 65535`), or a `SpecError` whose `detail` is used.
   */
  readonly parse: (text: string) => Elem<T>;
}

/** Turns a long option name into its `Config` field name: `queue-length` → `queueLength`. */
export type CamelCase<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<CamelCase<T>>}`
  : S;

/** Turns a long option name into its `Config` field name at run time (see {@linkcode CamelCase}). */
export function camelCase<const S extends string>(name: S): CamelCase<S> {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as CamelCase<S>;
}

/** Fields every builder accepts. */
export interface OptionMeta {
  /** One-letter short option. */
  short?: string;
  /** Other long names. */
  aliases?: readonly string[];
  /** One line for `--help`. */
  help: string;
  /** Placeholder in `--help`. @default derived from the type */
  valueName?: string;
  /** Default as shown by `--help`. @default the default value, or `none` */
  defaultText?: string;
  /** See {@linkcode OptionDef.choicesFrom}. */
  choicesFrom?: "strategies";
  /** See {@linkcode OptionDef.bootstrap}. */
  bootstrap?: boolean;
}

const VALUE_NAMES: Record<ValueType, string> = {
  string: "<text>",
  int: "<n>",
  bool: "",
  enum: "<name>",
  level: "<level>",
  ip: "<address>",
  url: "<url>",
  rate: "<rate>",
  spec: "<spec>",
  path: "<path>",
};

/**
 * Builds a single-valued option; its `Config` field is the camel-cased name. `T` is taken from `default`
 * (write `undefined as X | undefined` for an option that is unset by default).
 */
export function option<const N extends string, T>(
  name: N,
  init: OptionMeta & {
    type: ValueType;
    default: T;
    values?: readonly string[];
    parse: (text: string) => NoInfer<T>;
  },
): OptionDef<CamelCase<N>, T> {
  return {
    ...init,
    name,
    field: camelCase(name),
    group: "core",
    aliases: init.aliases ?? [],
    valueName: init.valueName ?? VALUE_NAMES[init.type],
    defaultText: init.defaultText ?? (init.default === undefined ? "none" : String(init.default)),
    parse: init.parse as (text: string) => Elem<T>,
  };
}

/** Builds a repeatable option whose value is a list of parsed elements, stored in `field`. */
export function listOption<const N extends string, const F extends string, E>(
  name: N,
  init: OptionMeta & {
    field: F;
    element: ValueType;
    default?: readonly E[];
    values?: readonly string[];
    split?: boolean;
    parse: (text: string) => E;
  },
): OptionDef<F, E[]> {
  const defaults = [...(init.default ?? [])];
  return {
    ...init,
    name,
    group: "core",
    type: "list",
    aliases: init.aliases ?? [],
    valueName: init.valueName ?? VALUE_NAMES[init.element],
    default: defaults,
    defaultText: init.defaultText ?? (defaults.length ? defaults.join(",") : "none"),
    parse: init.parse as (text: string) => Elem<E[]>,
  };
}

/** Builds an integer option with a lower bound and a default. */
export function intOption<const N extends string>(
  name: N,
  init: OptionMeta & { default: number; min: number },
): OptionDef<CamelCase<N>, number> {
  return option(name, { ...init, type: "int", parse: (text) => parseInteger(text, { min: init.min }) });
}

/** Builds an integer option with a lower bound that is unset by default (an empty value unsets it too). */
export function optionalIntOption<const N extends string>(
  name: N,
  init: OptionMeta & { min: number },
): OptionDef<CamelCase<N>, number | undefined> {
  const parse = (text: string) => text.trim() === "" ? undefined : parseInteger(text, { min: init.min });
  return option(name, { ...init, type: "int", default: undefined as number | undefined, parse });
}

/** Builds a boolean option, false by default. */
export function boolOption<const N extends string>(
  name: N,
  init: OptionMeta,
): OptionDef<CamelCase<N>, boolean> {
  return option(name, { ...init, type: "bool", default: false, parse: parseBool });
}

/** Builds an enumeration option; input is case-insensitive and stored in the canonical spelling. */
export function choiceOption<const N extends string, const V extends string>(
  name: N,
  values: readonly V[],
  init: OptionMeta & { default: NoInfer<V>; type?: "enum" | "level" },
): OptionDef<CamelCase<N>, V> {
  const parse = (text: string): V => parseChoice(text, values);
  return option(name, { valueName: "<name>", ...init, type: init.type ?? "enum", values, parse });
}

/** Puts rows into a help group (rows are built in `core` and moved here, keeping their types). */
export function inGroup<const R extends readonly OptionDef[]>(group: OptionGroup, rows: R): R {
  return rows.map((row) => ({ ...row, group })) as unknown as R;
}
