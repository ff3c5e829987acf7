/**
 * Loads extension modules (`-x <module>`, SPEC §17) with a dynamic `import()`: a file path (relative to the
 * working directory) or a URL (`file:`, and `https:` where the runtime allows remote imports).
 *
 * The Bun single binary imports files at run time (TypeScript included). A binary made by `deno compile` only
 * runs modules embedded when it was built, so there the import fails and the error says so.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../config/errors.ts";
import { runtimeName } from "../net/mod.ts";
import type { LoadedExtension } from "./types.ts";
import { validateExtension } from "./validate.ts";

/** Options for {@linkcode loadExtensions}. */
export interface LoadExtensionsOptions {
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** Where the `index`th specifier came from, for messages. @default () => "command line" */
  readonly sourceOf?: (index: number) => string;
  /** Imports a module URL (tests pass a fake). @default (url) => import(url) */
  readonly importModule?: (url: string) => Promise<Record<string, unknown>>;
}

/** A specifier with a URL scheme (two letters at least, so that `C:\x` stays a path). */
const URL_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/**
 * Imports and validates extension modules, in order.
 *
 * @param specifiers module paths or URLs as given with `-x`
 * @returns the validated extensions with their origin
 * @throws {ConfigError} naming the module and what is wrong (missing file, import failure, bad shape)
 * @example const loaded = await loadExtensions(["./greeting.ts"], { cwd: process.cwd() });
 */
export async function loadExtensions(
  specifiers: readonly string[],
  options: LoadExtensionsOptions,
): Promise<LoadedExtension[]> {
  const importModule = options.importModule ?? ((url: string) => import(url));
  const out: LoadedExtension[] = [];
  for (const [index, specifier] of specifiers.entries()) {
    const source = options.sourceOf?.(index) ?? "command line";
    const fail = (what: string, detail: string, cause?: unknown) =>
      new ConfigError(`${what} "${specifier}" (from ${source}): ${detail}`, {
        option: "extension",
        source,
        cause,
      });
    let url: string;
    if (URL_SCHEME.test(specifier)) {
      url = specifier;
    } else {
      const path = resolve(options.cwd, specifier);
      if (!existsSync(path)) throw fail("Cannot load extension", `file "${path}" does not exist`);
      url = pathToFileURL(path).href;
    }
    let exports: Record<string, unknown>;
    try {
      exports = await importModule(url);
    } catch (err) {
      const reason = String((err as Error)?.message ?? err).split("\n")[0];
      throw fail("Cannot load extension", reason + compiledHint(), err);
    }
    try {
      out.push({ specifier, source, extension: validateExtension(exports) });
    } catch (err) {
      throw fail("Invalid extension module", (err as Error).message, err);
    }
  }
  return out;
}

/**
 * Explains an import failure inside a `deno compile` binary (the runtime is not named `deno` there), where only
 * modules embedded at build time can be imported.
 */
function compiledHint(): string {
  const exe = basename(process.execPath).replace(/\.exe$/i, "");
  if (runtimeName() !== "deno" || exe === "deno") return "";
  return ": this pmmux binary was built with deno compile, which cannot import modules at run time; " +
    "use the Bun-built binary or run pmmux from source (deno run src/main.ts -x ...)";
}
