/**
 * Turns a JavaScriptCore jitdump file into a perf map (`/tmp/perf-PID.map`), so `perf report` names the
 * JIT-compiled JavaScript functions of a Bun process. Run the process with `BUN_JSC_useJITDump=1
 * BUN_JSC_jitDumpDirectory=DIR`, record it with `perf record -F 4000 -g -t PID`, then:
 *
 * `bun bench/minimal/jitdump_map.ts DIR/jit-*.dump PID` and `perf report --sort sym`.
 *
 * Only the code-load records are read (the jitdump format: a header whose third field is its size, then
 * records of `id, size, timestamp`; a code load carries pid, tid, address, code address, code size, code
 * index and a zero-terminated name).
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";

const CODE_LOAD = 0;
const RECORD_HEADER = 16;

const [file, pid] = process.argv.slice(2);
if (!file || !/^\d+$/.test(pid ?? "")) {
  console.error("usage: bun bench/minimal/jitdump_map.ts JITDUMP_FILE PID");
  process.exit(2);
}
const bytes = readFileSync(file);
const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
if (bytes.length < 12 || view.getUint32(0, true) !== 0x4a695444) {
  console.error(`${file} is not a jitdump file (no "JiTD" magic)`);
  process.exit(1);
}
const utf8 = new TextDecoder();
const lines: string[] = [];
for (let at = view.getUint32(8, true); at + RECORD_HEADER <= bytes.length;) {
  const id = view.getUint32(at, true);
  const size = view.getUint32(at + 4, true);
  if (size < RECORD_HEADER || at + size > bytes.length) break; // a record cut off by the process's end
  if (id === CODE_LOAD) {
    const body = at + RECORD_HEADER;
    const codeAddr = view.getBigUint64(body + 16, true);
    const codeSize = view.getBigUint64(body + 24, true);
    const nameStart = body + 40;
    const nameEnd = bytes.indexOf(0, nameStart);
    const name = utf8.decode(bytes.subarray(nameStart, nameEnd < 0 ? at + size : nameEnd));
    lines.push(`${codeAddr.toString(16)} ${codeSize.toString(16)} ${name}`);
  }
  at += size;
}
const out = `/tmp/perf-${pid}.map`;
writeFileSync(out, lines.join("\n") + "\n");
console.log(`${out}: ${lines.length} functions`);
