/**
 * `deno task compile`: builds `dist/pmmux` (or the path given as the first argument) with `deno compile`, with
 * the permissions pmmux needs and nothing more (`DENO_RUN_FLAGS` in src/cli/install.ts, which the service
 * unit uses too), the socket adapter that `src/net/mod.ts` imports dynamically, and the npm packages except
 * the development ones (playwright-core alone is 14 MB).
 *
 * `deno compile` downloads the `denort` runtime for the target from dl.deno.land; where that is not reachable,
 * set `DENORT_BIN=/path/to/denort` (same version as deno) and deno uses that file instead.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { DENO_RUN_FLAGS } from "../src/cli/install.ts";

const out = process.argv[2] ?? "dist/pmmux";
process.chdir(new URL("..", import.meta.url).pathname);

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { devDependencies?: Record<string, string> };
const store = "node_modules/.deno";
const stored = existsSync(store) ? readdirSync(store) : [];
const excludes = Object.keys(pkg.devDependencies ?? {}).flatMap((name) => [
  `node_modules/${name}`,
  ...stored.filter((dir) => dir.startsWith(`${name.replace("/", "+")}@`)).map((dir) => `${store}/${dir}`),
]);

const args = [
  "compile",
  ...DENO_RUN_FLAGS,
  "--include",
  "src/net/deno/mod.ts",
  ...excludes.flatMap((path) => ["--exclude", path]),
  "--output",
  out,
  "src/main.ts",
];
console.error(`deno ${args.join(" ")}`);
const result = spawnSync(process.execPath, args, { stdio: "inherit" });
if (result.status !== 0) {
  if (!process.env.DENORT_BIN) {
    console.error(
      "compile: deno compile failed; if it could not download denort, set DENORT_BIN to a denort binary " +
        "of the same version as deno",
    );
  }
  process.exit(result.status ?? 1);
}
