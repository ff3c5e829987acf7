/**
 * What the entry point loads before it knows the configuration: heavy libraries (parsers, HTTP stacks, TLS,
 * ACME, NAT) must be imported with `await import()` only when configured, since every one costs megabytes of
 * resident memory at start-up. Walks the static (non-type) imports from src/main.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ROOT = join(dirname(new URL(import.meta.url).pathname), "..", "..");

/** Bare specifiers reached by static imports from `entry`, each with the first file importing it. */
function staticImports(entry: string): Map<string, string> {
  const external = new Map<string, string>();
  const seen = new Set<string>();
  const statement = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?["']([^"']+)["']/gm;
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, "utf8").matchAll(statement)) {
      if (spec.startsWith(".")) walk(join(dirname(file), spec));
      else if (!external.has(spec)) external.set(spec, relative(ROOT, file));
    }
  };
  walk(join(ROOT, entry));
  return external;
}

test("src/main.ts loads no heavy library statically", () => {
  const reached = staticImports("src/main.ts");
  const heavy = [
    "yaml",
    "smol-toml",
    "hono",
    "node:http",
    "node:https",
    "node-forge",
    "acme-client",
    "@silentbot1/nat-api",
    "@bufbuild/protobuf",
  ];
  const found = heavy.filter((s) => reached.has(s)).map((s) => `${s} (from ${reached.get(s)})`);
  assert.deepEqual(found, [], "load these with await import() when configured");
  assert.ok(reached.has("node:process"), "the walk follows imports");
});
