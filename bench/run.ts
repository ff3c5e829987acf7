/**
 * pmmux benchmark: `deno task bench [--quick] [--only=a,b] [--contenders=a,b] [--rounds=N]`.
 *
 * Starts the upstreams, then for each round runs every measure against every contender (a fresh process per
 * sample, contenders shuffled per measure and round), prints a table of medians with ratios to haproxy, the
 * targets of issue 8, and the raw figures as JSON (also written to bench/results/latest.json). Progress goes
 * to stderr, so stdout holds only the results.
 *
 * @module
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaryRuntime, type Contender, CONTENDERS } from "./contenders.ts";
import { cpuBusy, describeMachine, foreignCpu, machineLine } from "./machine.ts";
import { type Measure, MEASURES } from "./measures/mod.ts";
import { killAll, stopProcess } from "./procs.ts";
import { formatValue, medians, renderTable, renderTargets, type Results } from "./stats.ts";
import { findTools, missingMessage } from "./tools.ts";
import type { BenchEnv, Budget, Sample } from "./types.ts";
import { startUpstreams } from "./upstreams.ts";

const FULL: Budget = {
  rounds: 3,
  iperfSeconds: 3,
  wrkSeconds: 3,
  warmupSeconds: 3,
  slowReadMs: 3000,
  udpSeconds: 1,
  idleConnections: 1000,
};
const QUICK: Budget = {
  ...FULL,
  rounds: 1,
  iperfSeconds: 1,
  wrkSeconds: 2,
  warmupSeconds: 1,
  slowReadMs: 1500,
  udpSeconds: 1,
};

const USAGE = `Usage: deno task bench [options]

  --quick             one round, shorter runs (about 2 minutes)
  --rounds=N          rounds (default 3, quick 1)
  --only=a,b          measures: ${MEASURES.map((m) => m.name).join(", ")}
  --contenders=a,b    contenders: ${CONTENDERS.map((c) => c.name).join(", ")}
  --keep              keep the scratch directory (configs and process logs)
  --help              this text
`;

/** Share of the CPUs used by other processes above which a sample is reported as disturbed. */
const BUSY = 0.1;

/** Scratch directory of the current run, removed on a signal too. */
let scratch = "";

function log(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  console.error(`[${t}] ${message}`);
}

function pickList<T extends { name: string }>(all: readonly T[], csv: string | undefined, what: string): T[] {
  if (!csv) return [...all];
  const names = csv.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !all.some((x) => x.name === n));
  if (unknown.length > 0) {
    throw new RangeError(
      `Unknown ${what} "${unknown.join(", ")}": expected one of ${all.map((x) => x.name).join(", ")}`,
    );
  }
  return all.filter((x) => names.includes(x.name));
}

function shuffle<T>(items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** How many samples ran while other processes used more than {@linkcode BUSY} of the CPUs. */
function disturbedLine(results: Results): string {
  const all = Object.values(results).flatMap((byC) => Object.values(byC).flat());
  const busy = all.map((s) => s.foreignCpu ?? 0).filter((f) => f > BUSY);
  if (busy.length === 0) {
    return `Other processes stayed under ${BUSY * 100}% CPU during all ${all.length} samples.`;
  }
  return `WARNING: ${busy.length} of ${all.length} samples ran while other processes used over ${
    BUSY * 100
  }% ` +
    `of the CPUs (up to ${
      Math.round(Math.max(...busy) * 100)
    }%): those figures are noisy (see foreignCpu in the JSON).`;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      rounds: { type: "string" },
      only: { type: "string" },
      contenders: { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const budget: Budget = { ...(values.quick ? QUICK : FULL) };
  if (values.rounds !== undefined) {
    const n = Number(values.rounds);
    if (!Number.isInteger(n) || n < 1 || n > 20) {
      throw new RangeError(`Invalid --rounds "${values.rounds}": 1-20`);
    }
    budget.rounds = n;
  }
  const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const tools = findTools();
  const missing = missingMessage(tools);
  if (missing) console.error(missing);

  const env: BenchEnv = {
    repo,
    tmp: "",
    tools,
    upstreams: { http: null, iperf: null },
    budget,
    log,
    shared: new Map(),
  };

  const contenders: Contender[] = [];
  for (const c of pickList(CONTENDERS, values.contenders, "contender")) {
    const why = c.unavailable(env);
    if (why) log(`skipping contender ${c.name}: ${why}`);
    else contenders.push(c);
  }
  const measures: Measure[] = [];
  for (const m of pickList(MEASURES, values.only, "measure")) {
    const lacking = m.tools.filter((t) => !tools[t]);
    if (m.upstream === "http" && !tools.nginx) lacking.push("nginx");
    if (m.upstream === "iperf" && !tools.iperf3) lacking.push("iperf3");
    if (lacking.length > 0) log(`skipping measure ${m.name}: ${[...new Set(lacking)].join(", ")} missing`);
    else if (!contenders.some((c) => m.applies(c))) {
      log(`skipping measure ${m.name}: no contender it applies to`);
    } else measures.push(m);
  }
  if (measures.length === 0 || contenders.length === 0) {
    console.error("Nothing to run.");
    return 1;
  }

  const machine = await describeMachine(tools);
  const busyBefore = await cpuBusy(1000);
  log(`machine: ${machineLine(machine)}`);
  if (busyBefore > 0.1) {
    log(
      `WARNING: ${Math.round(busyBefore * 100)}% of the CPUs were busy before the run: figures will be noisy`,
    );
  }
  const runtimes: Record<string, string> = {};
  for (const c of contenders.filter((c) => c.pmmux)) {
    runtimes[c.name] = c.name === "pmmux-deno" ? "deno" : c.name === "pmmux-bun" ? "bun" : "";
    if (c.name === "pmmux-bin") runtimes[c.name] = (await binaryRuntime(repo)) || "bun";
  }

  const results: Results = {};
  const started = Date.now();
  env.tmp = scratch = await Deno.makeTempDir({ prefix: "pmmux-bench-" });
  let busyAfter = 0;
  const busyByRound: number[] = [];
  try {
    const { ports, procs } = await startUpstreams(
      {
        http: measures.some((m) => m.upstream === "http"),
        iperf: measures.some((m) => m.upstream === "iperf"),
      },
      tools,
      env.tmp,
    );
    env.upstreams = ports;
    log(`upstreams: ${JSON.stringify(ports)}; scratch ${env.tmp}`);
    for (let round = 1; round <= budget.rounds; round++) {
      // Nothing of ours is busy between rounds: whatever load shows is other processes'.
      const busy = round === 1 ? busyBefore : await cpuBusy(500);
      busyByRound.push(busy);
      if (round > 1 && busy > 0.1) log(`WARNING: ${Math.round(busy * 100)}% of the CPUs busy between rounds`);
      for (const m of measures) {
        for (const c of shuffle(contenders.filter((c) => m.applies(c)))) {
          let sample: Sample;
          const meter = foreignCpu();
          try {
            sample = await m.run(env, c);
          } catch (error) {
            sample = { value: null, error: (error as Error).message };
          }
          sample.foreignCpu = Math.round(meter.stop() * 1000) / 1000;
          ((results[m.name] ??= {})[c.name] ??= []).push(sample);
          const shown = sample.value === null ? "failed" : `${formatValue(sample.value, m.unit)} ${m.unit}`;
          const error = sample.error ? ` (${sample.error})` : "";
          const busy = sample.foreignCpu > BUSY
            ? ` [other processes: ${Math.round(sample.foreignCpu * 100)}% CPU]`
            : "";
          log(`round ${round}/${budget.rounds} ${m.name} ${c.name}: ${shown}${error}${busy}`);
        }
      }
    }
    for (const p of procs) await stopProcess(p);
    busyAfter = await cpuBusy(500);
  } finally {
    killAll();
    if (values.keep) log(`kept ${env.tmp}`);
    else rmSync(env.tmp, { recursive: true, force: true });
  }

  const order = CONTENDERS.map((c) => c.name).filter((n) => contenders.some((c) => c.name === n));
  const { table, notes } = renderTable(measures, order, results);
  const command = `deno task bench${argv.length ? " " + argv.join(" ") : ""}`;
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  const out: string[] = [
    `pmmux benchmark — ${command} — ${budget.rounds} round(s), ${minutes} min, ${new Date().toISOString()}`,
    `machine: ${machineLine(machine)}`,
    `CPU busy with other processes before each round / after: ${
      busyByRound.map((b) => `${Math.round(b * 100)}%`).join(", ")
    } / ${Math.round(busyAfter * 100)}%`,
    disturbedLine(results),
    "",
    table,
  ];
  if (notes.length > 0) out.push("", "Runs with errors (*):", ...notes.map((n) => `- ${n}`));
  if (Object.keys(runtimes).length > 0) out.push("", renderTargets(results, runtimes));
  const json = {
    command,
    date: new Date().toISOString(),
    minutes: Number(minutes),
    machine,
    cpuBusyBeforeRounds: busyByRound,
    cpuBusyAfter: busyAfter,
    budget,
    latencyTarget: env.shared.get("latency.target") ?? null,
    contenders: contenders.map((c) => ({
      name: c.name,
      description: c.description,
      runtime: runtimes[c.name],
    })),
    measures: Object.fromEntries(
      measures.filter((m) => results[m.name]).map((m) => [m.name, {
        title: m.title,
        unit: m.unit,
        better: m.better,
        medians: medians(results[m.name]),
        samples: results[m.name],
      }]),
    ),
  };
  const text = JSON.stringify(json, null, 2);
  console.log(out.join("\n") + "\n");
  console.log(text);
  const dir = join(repo, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.json"), text + "\n");
  log(`wrote bench/results/latest.json`);
  return 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    killAll();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    Deno.exit(130);
  });
}

try {
  Deno.exitCode = await main(Deno.args);
} catch (error) {
  killAll();
  console.error(`bench: ${(error as Error).message}`);
  Deno.exitCode = error instanceof RangeError ? 2 : 1;
}
