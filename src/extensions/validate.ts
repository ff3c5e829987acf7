/**
 * Checks the shape of an extension module's `extension` export, so that a mistake is reported at startup with
 * the field at fault rather than as a crash on the first connection.
 *
 * @module
 */
import { TIERS } from "../core/backend.ts";
import type { Extension } from "./types.ts";

const KEYS = ["name", "backends", "detectors", "strategies", "negotiators"] as const;
const TRANSPORTS = ["tcp", "udp"];
/** Plug-in names as written in spec strings and options: lower case, no separators the spec syntax uses. */
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

type Item = Record<string, unknown>;

/**
 * Validates the exports of an extension module.
 *
 * @param exports the module namespace object
 * @returns the `extension` export, typed
 * @throws {TypeError} naming the field and what is wrong, e.g.
 *   `backends[0] "greeting": "create" must be a function`
 */
export function validateExtension(exports: Record<string, unknown>): Extension {
  const ext = exports.extension;
  if (ext === undefined) {
    const hint = "default" in exports
      ? ": found a default export, write export const extension = { ... }"
      : "";
    throw new TypeError(`the module has no named export "extension"${hint}`);
  }
  if (!isObject(ext)) throw new TypeError(`"extension" must be an object, got ${kind(ext)}`);
  for (const key of Object.keys(ext)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new TypeError(`"extension" has an unknown field "${key}": accepted: ${KEYS.join(", ")}`);
    }
  }
  if (typeof ext.name !== "string" || ext.name.trim() === "") {
    throw new TypeError(`"extension.name" must be a non-empty string, got ${kind(ext.name)}`);
  }
  list(ext, "backends", (b, at) => {
    name(b, at);
    transports(b, at);
    if (!(TIERS as readonly string[]).includes(b.defaultTier as string)) {
      throw new TypeError(
        `${at}: "defaultTier" must be one of ${TIERS.join(", ")}, got ${kind(b.defaultTier)}`,
      );
    }
    if (!Array.isArray(b.params)) {
      throw new TypeError(`${at}: "params" must be an array, got ${kind(b.params)}`);
    }
    b.params.forEach((p: unknown, i: number) => {
      if (!isObject(p) || typeof p.key !== "string" || p.key === "" || typeof p.help !== "string") {
        throw new TypeError(`${at}: params[${i}] must be { key: string, help: string, required?: boolean }`);
      }
    });
    fn(b, "create", at);
  });
  list(ext, "detectors", (d, at) => {
    name(d, at);
    if ((d.name as string).startsWith("regex:")) {
      throw new TypeError(`${at}: the name must not start with "regex:"`);
    }
    transports(d, at);
    fn(d, "detect", at);
  });
  list(ext, "strategies", (s, at) => {
    name(s, at);
    if (typeof s.help !== "string") {
      throw new TypeError(`${at}: "help" must be a string, got ${kind(s.help)}`);
    }
    fn(s, "create", at);
  });
  list(ext, "negotiators", (n, at) => {
    if (typeof n.name !== "string" || n.name === "") {
      throw new TypeError(`${at}: "name" must be a non-empty string, got ${kind(n.name)}`);
    }
    fn(n, "negotiate", at);
  });
  return ext as unknown as Extension;
}

function list(ext: Item, key: string, check: (item: Item, at: string) => void): void {
  const value = ext[key];
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new TypeError(`"extension.${key}" must be an array, got ${kind(value)}`);
  value.forEach((item: unknown, i: number) => {
    const label = isObject(item) && typeof item.name === "string" ? ` "${item.name}"` : "";
    const at = `${key}[${i}]${label}`;
    if (!isObject(item)) throw new TypeError(`${at} must be an object, got ${kind(item)}`);
    check(item, at);
  });
}

function name(item: Item, at: string): void {
  if (typeof item.name !== "string" || !NAME.test(item.name)) {
    throw new TypeError(
      `${at}: "name" must be lower case letters, digits, ".", "_" or "-", got ${kind(item.name)}`,
    );
  }
}

function transports(item: Item, at: string): void {
  const t = item.transports;
  if (!Array.isArray(t) || t.length === 0 || !t.every((x) => TRANSPORTS.includes(x))) {
    throw new TypeError(`${at}: "transports" must be a non-empty array of "tcp", "udp", got ${kind(t)}`);
  }
}

function fn(item: Item, key: string, at: string): void {
  if (typeof item[key] !== "function") {
    throw new TypeError(`${at}: "${key}" must be a function, got ${kind(item[key])}`);
  }
}

function isObject(value: unknown): value is Item {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Describes a value for an error message: `"abc"`, `42`, `an array`, `undefined`. */
function kind(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return "a function";
  if (isObject(value)) return "an object";
  return String(value);
}
