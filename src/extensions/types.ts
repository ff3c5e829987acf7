/**
 * The extension contract (SPEC §17): an ES module loaded with `-x <module>` exports a named `extension` object
 * whose lists are appended to the plug-in tables the app runs with.
 *
 * @module
 */
import type { BackendProtocol } from "../core/backend.ts";
import type { Detector } from "../detect/types.ts";
import type { Negotiator } from "../negotiators/types.ts";
import type { StrategyFactory } from "../strategies/types.ts";

export type { BackendProtocol, Detector, Negotiator, StrategyFactory };

/**
 * What an extension module exports as `extension`. Every name must be new: an extension adds plug-ins, it
 * never replaces a built-in one.
 *
 * @example
 * ```ts
 * import type { Extension } from "pmmux/src/extensions/types.ts";
 * export const extension: Extension = { name: "greeting", backends: [greeting], detectors: [hello] };
 * ```
 */
export interface Extension {
  /** Extension name, for logs and errors. */
  readonly name: string;
  /** Backend protocols usable in backend specs (`name:<protocol>:...`). @default [] */
  readonly backends?: readonly BackendProtocol[];
  /** Detectors usable in `detect=<name>`. @default [] */
  readonly detectors?: readonly Detector[];
  /** Routing strategies usable in `--routing-strategy`. @default [] */
  readonly strategies?: readonly StrategyFactory[];
  /** Negotiators run on every TCP connection, after the built-in ones. @default [] */
  readonly negotiators?: readonly Negotiator[];
}

/** The plug-in tables the app runs with: built-ins first, then each extension's additions in load order. */
export interface PluginTables {
  /** Every backend protocol (`AppOptions.protocols`). */
  readonly protocols: readonly BackendProtocol[];
  /** Every routing strategy (`AppOptions.strategies`). */
  readonly strategies: readonly StrategyFactory[];
  /** Negotiators added by extensions (`AppOptions.negotiators`). */
  readonly negotiators: readonly Negotiator[];
  /** Detectors added by extensions; the built-ins are found by `findDetector` (`AppOptions.detectors`). */
  readonly detectors: readonly Detector[];
}

/** An extension with where it came from. */
export interface LoadedExtension {
  /** The module as given (`-x ./greeting.ts`). */
  readonly specifier: string;
  /** Where the specifier came from (`command line`, `config file /etc/pmmux.toml`). */
  readonly source: string;
  /** The validated extension object. */
  readonly extension: Extension;
}
