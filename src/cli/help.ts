/**
 * `--help` text, generated from the options table: every option with its names, value, help line and
 * default, grouped, extension options in their own sections.
 *
 * @module
 */
import { OPTION_GROUPS, type OptionDef, OPTIONS } from "../config/options.ts";

/** Options for {@linkcode renderHelp}. */
export interface HelpOptions {
  /** Version shown in the first line. @default "" (omitted) */
  version?: string;
  /** A subcommand's help instead of the program's. */
  topic?: "install" | "uninstall" | "version";
  /** Line width to wrap at. @default 110 */
  width?: number;
}

const USAGE: [string, string][] = [
  ["pmmux [options]", "run the multiplexer"],
  ['pmmux install [--arguments "<args>"] [--root <dir>]', "install and start the systemd service"],
  ["pmmux uninstall [--root <dir>]", "stop and remove the systemd service"],
  ["pmmux version | --version", "print the version"],
  ["pmmux help [command] | --help | -h", "print this help, or a command's"],
];

const LAYERS =
  "Every option can also be set in the environment as PMMUX__<OPTION> (underscores or hyphens, any " +
  "case; lists as PMMUX__<OPTION>__0, PMMUX__<OPTION>__1, ...) or in the config file under a top-level " +
  '"pmmux" table with the long name as key. The command line wins over the environment, which wins over the ' +
  "config file. A list given on a higher layer replaces the lower layer's list entirely. {{env:NAME}} in any " +
  "value is replaced by that environment variable. Booleans: --flag, --flag=false or --flag false.";

const TOPICS: Record<NonNullable<HelpOptions["topic"]>, string[]> = {
  install: [
    'Usage: pmmux install [--arguments "<args>"] [--root <dir>]',
    "",
    "Writes a systemd unit for pmmux, enables and starts it.",
    "",
    '  --arguments "<args>"  options for the service\'s command line (e.g. "-c /etc/pmmux/pmmux.toml")',
    "  --root <dir>          write under <dir> instead of / (for testing)",
  ],
  uninstall: [
    "Usage: pmmux uninstall [--root <dir>]",
    "",
    "Stops, disables and removes the systemd unit written by pmmux install.",
    "",
    "  --root <dir>  work under <dir> instead of / (for testing)",
  ],
  version: ["Usage: pmmux version", "", "Prints pmmux <version> on the first line."],
};

/**
 * Renders the help text (no trailing newline).
 *
 * @example
 * console.log(renderHelp({ version: "0.1.0" }));
 */
export function renderHelp(options: HelpOptions = {}): string {
  const width = options.width ?? 110;
  if (options.topic) return TOPICS[options.topic].join("\n");
  const lines = [
    `pmmux${
      options.version ? ` ${options.version}` : ""
    }: one port, many protocols, routed by their first bytes`,
    "",
    "Usage:",
    ...USAGE.map(([usage, what]) => `  ${usage.padEnd(Math.max(...USAGE.map((u) => u[0].length)))}  ${what}`),
    "",
    ...wrap(LAYERS, width, ""),
  ];
  const rows = (OPTIONS as readonly OptionDef[]).map((o) => ({ option: o, names: names(o) }));
  const column = Math.min(42, Math.max(...rows.map((r) => r.names.length)) + 4);
  for (const group of OPTION_GROUPS) {
    lines.push("", `${group.title}:`);
    for (const { option, names } of rows.filter((r) => r.option.group === group.id)) {
      const text = `${option.help} (default: ${option.defaultText})`;
      const first = `  ${names}`.padEnd(column);
      const indent = " ".repeat(column);
      if (first.length > column) {
        lines.push(first.trimEnd(), ...wrap(text, width, indent));
      } else {
        const [head, ...tail] = wrap(text, width - column, "");
        lines.push(first + head, ...tail.flatMap((t) => wrap(t, width, indent)));
      }
    }
  }
  return lines.join("\n");
}

function names(option: OptionDef): string {
  const all = [
    ...(option.short ? [`-${option.short}`] : []),
    `--${option.name}`,
    ...option.aliases.map((a) => `--${a}`),
  ];
  return all.join(", ") + (option.valueName ? ` ${option.valueName}` : "");
}

/** Wraps `text` at spaces so that each line, with `indent`, fits in `width`. */
function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      out.push(indent + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") out.push(indent + line);
  return out;
}
