/**
 * pmmux entry point: `deno run -A --unstable-net src/main.ts <options>` or `bun src/main.ts <options>`.
 *
 * @module
 */
import process from "node:process";
import { parseCommand } from "./cli/args.ts";
import { renderHelp } from "./cli/help.ts";
import { install, uninstall } from "./cli/install.ts";
import { run } from "./cli/run.ts";
import { ConfigError } from "./config/load.ts";
import { runtimeName } from "./net/mod.ts";
import { VERSION } from "./version.ts";

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseCommand(argv);
  } catch (err) {
    console.error(`pmmux: ${(err as Error).message}`);
    return err instanceof ConfigError ? 2 : 1;
  }
  switch (command.command) {
    case "help":
      console.log(renderHelp({ version: VERSION, topic: command.topic }));
      return 0;
    case "version":
      console.log(
        `pmmux ${VERSION}\nruntime: ${runtimeName()} ${process.versions[runtimeName()] ?? ""}`.trimEnd(),
      );
      return 0;
    case "run":
      return await run(command.argv);
    case "install":
      return install(command);
    case "uninstall":
      return uninstall(command);
  }
}

process.exitCode = await main(process.argv.slice(2));
// Relays and timers are closed by now; exit without waiting for stray handles.
setTimeout(() => process.exit(), 0);
