/**
 * STYLE rule 1: `Deno.*` and `Bun.*` appear only under `src/net/deno/` and `src/net/bun/`.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const SRC = new URL("../../src/", import.meta.url).pathname;
const ALLOWED = [join(SRC, "net", "deno"), join(SRC, "net", "bun")];
const RUNTIME_API = /\b(?:Deno|Bun)\.[A-Za-z_]/;
/** Comment lines may name runtime APIs (documentation is not a dependency). */
const COMMENT = /^\s*(?:\/\/|\/\*|\*)/;

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!ALLOWED.includes(path)) yield* sourceFiles(path);
    } else if (/\.[cm]?[jt]sx?$/.test(name)) yield path;
  }
}

test("no source file outside src/net/<runtime>/ calls a runtime API (comments aside)", () => {
  const offenders: string[] = [];
  for (const path of sourceFiles(SRC)) {
    readFileSync(path, "utf8").split("\n").forEach((line, i) => {
      if (!COMMENT.test(line) && RUNTIME_API.test(line)) {
        offenders.push(`${path.slice(SRC.length)}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(offenders, []);
});
