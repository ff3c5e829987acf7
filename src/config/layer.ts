/**
 * The raw values of one configuration layer (command line, environment or config file) before parsing: what
 * each option was set to, as text or native scalar, and where each value came from.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";
import { type OptionDef, OPTIONS_BY_NAME } from "./options.ts";

/** A raw value: text from the command line and environment; native scalars from config files. */
export type RawValue = string | number | boolean;

/** One element of a list option, with its own source (`environment variable PMMUX__BACKENDS__1`). */
export interface RawItem {
  /** The value as given. */
  readonly value: RawValue;
  /** Where it came from. */
  readonly source: string;
}

/** What one layer says about one option. */
export type RawSetting =
  | { readonly kind: "scalar"; readonly value: RawValue; readonly source: string }
  | { readonly kind: "list"; readonly items: readonly RawItem[]; readonly source: string };

/** One layer: settings by long option name. */
export type Layer = Map<string, RawSetting>;

/** The source text of the command line layer. */
export const COMMAND_LINE = "command line";

/**
 * Finds an option by any of its names (long name, alias, short letter), ignoring case and accepting `_` for
 * `-` (`ROUTING_STRATEGY`, `routing-strategy`, `Backends`, `b`).
 */
export function findOption(name: string): OptionDef | undefined {
  return OPTIONS_BY_NAME.get(name.replace(/^-+/, "").toLowerCase().replaceAll("_", "-"));
}

/**
 * The error for one option set twice within one layer (`backend` and `backends` in one file, or
 * `PMMUX__ROUTING_STRATEGY` and `PMMUX__ROUTING-STRATEGY`).
 */
export function duplicateError(option: OptionDef, where: string, first: string, second: string): ConfigError {
  return new ConfigError(
    `Option --${option.name} is set twice in ${where}: as "${first}" and as "${second}"`,
    {
      option: option.name,
      source: where,
    },
  );
}
