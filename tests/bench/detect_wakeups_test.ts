import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  parsePairs,
  parseRuns,
  roundDifferences,
  roundRatios,
  summarise,
} from "../../bench/minimal/detect_wakeups_summary.ts";

// Two rounds of one setting, A-B-B-A per pair, as detect_wakeups.sh prints them (with its header).
const CSV = `round,halt_poll_ns,program,rate,cpu_us,user_us,sys_us,ipis,wakes,wakes_upstream,wakes_wrk
1,0,pmmux-port,8000,110.0,20.00,90.00,0.300,0.500,0.440,0.040
1,0,pmmux-detect,7000,130.0,24.00,92.00,0.600,0.800,0.640,0.100
1,0,pmmux-detect,7400,126.0,25.00,90.00,0.650,0.850,0.660,0.110
1,0,pmmux-port,8200,108.0,21.00,88.00,0.320,0.480,0.420,0.050
1,0,minimal,9000,100.0,10.00,90.00,0.270,0.420,0.330,0.040
1,0,minimal-wait,8600,104.0,10.50,93.00,0.470,0.660,0.490,0.090
1,0,minimal-wait,8400,106.0,10.00,95.00,0.450,0.640,0.480,0.080
1,0,minimal,9200,98.0,10.50,88.00,0.260,0.410,0.320,0.050
2,0,pmmux-port,9000,100.0,20.00,80.00,0.300,0.500,0.440,0.040
2,0,pmmux-detect,9000,100.0,22.00,78.00,0.600,0.800,0.640,0.100

2,0,pmmux-detect,8800,102.0,22.00,80.00,0.650,0.850,0.660,0.110
2,0,pmmux-port,9200,98.0,20.00,78.00,0.320,0.480,0.420,0.050
`;

describe("detect_wakeups summary", () => {
  test("parseRuns() keeps the runs and skips the header and blank lines", () => {
    const runs = parseRuns(CSV);
    assert.equal(runs.length, 12);
    assert.deepEqual(runs[1], {
      round: "1",
      setting: "0",
      program: "pmmux-detect",
      rate: 7000,
      cpu_us: 130,
      user_us: 24,
      sys_us: 92,
      ipis: 0.6,
      wakes: 0.8,
      wakes_upstream: 0.64,
      wakes_wrk: 0.1,
    });
  });

  test("roundRatios() divides the summed rates of each round's two runs", () => {
    const runs = parseRuns(CSV);
    const ratios = roundRatios(runs, "0", "pmmux-detect", "pmmux-port");
    assert.equal(ratios.length, 2);
    assert.ok(Math.abs(ratios[0] - 14400 / 16200) < 1e-9, String(ratios[0]));
    assert.ok(Math.abs(ratios[1] - 17800 / 18200) < 1e-9, String(ratios[1]));
    // Round 2 has no minimal runs: only round 1 gives that pair a ratio.
    assert.deepEqual(roundRatios(runs, "0", "minimal-wait", "minimal"), [17000 / 18200]);
  });

  test("roundDifferences() subtracts the means of each round's runs", () => {
    const runs = parseRuns(CSV);
    // Round 1: user 24.5 - 20.5, sys 91 - 89; round 2: user 22 - 20, sys 79 - 79.
    assert.deepEqual(roundDifferences(runs, "0", "pmmux-detect", "pmmux-port", "user_us"), [4, 2]);
    assert.deepEqual(roundDifferences(runs, "0", "pmmux-detect", "pmmux-port", "sys_us"), [2, 0]);
    assert.deepEqual(roundDifferences(runs, "0", "minimal-wait", "minimal", "user_us"), [0]);
  });

  test("summarise() prints medians per program, each pair's median ratio and the µs it adds", () => {
    const text = summarise(parseRuns(CSV));
    // pmmux-detect's rates 7000, 7400, 8800, 9000: median 8100; ratios 0.889 and 0.978: median 0.933.
    assert.match(text, /pmmux-detect +8100 +114\.0 +23\.0 +85\.0 +0\.625/);
    assert.match(
      text,
      /pmmux-detect ÷ pmmux-port: median 0\.933 \(0\.889 0\.978\)\n +µs per request added, median of the rounds: user \+3\.0, sys \+1\.0/,
    );
    assert.match(text, /minimal-wait ÷ minimal: median 0\.934 \(0\.934\)/);
  });

  test("summarise() shows what a run without perf did not measure as a dash", () => {
    const csv = CSV.split("\n").map((line) => line.replace(/(,[\d.]+){4}$/, ",NaN,NaN,NaN,NaN")).join("\n");
    const runs = parseRuns(csv);
    assert.ok(Number.isNaN(runs[0].ipis));
    assert.match(summarise(runs), /pmmux-detect +8100 +114\.0 +23\.0 +85\.0 +— +— +— +—/);
  });

  test("summarise() compares the pairs it is given (user_time.sh: each program with the first)", () => {
    const text = summarise(parseRuns(CSV), parsePairs(["minimal/pmmux-port", "pmmux-detect/pmmux-port"]));
    // minimal ÷ pmmux-port in round 1: 18200 / 16200.
    assert.match(
      text,
      /minimal ÷ pmmux-port: median 1\.123 \(1\.123\)\n +µs per request added, median of the rounds: user -10\.3, sys \+0\.0/,
    );
    assert.match(text, /pmmux-detect ÷ pmmux-port: median 0\.933/);
    assert.doesNotMatch(text, /minimal-wait ÷/);
  });

  test("parsePairs() names an argument that is not PROGRAM/PROGRAM", () => {
    assert.deepEqual(parsePairs(["a/b"]), [["a", "b"]]);
    for (const bad of ["a", "a/", "/b", "a/b/c"]) {
      assert.throws(() => parsePairs([bad]), new RegExp(`"${bad}" is not a pair: expected PROGRAM/PROGRAM`));
    }
  });
});
