#!/usr/bin/env bash
# Where a Bun relay's main thread spends its time per request, by JavaScript function and by system call.
# Starts COMMAND (a relay listening on PORT) with JavaScriptCore's jitdump on, warms it up with wrk -c32 and
# `Connection: close` for 3 s, then records its main thread with `perf record -F 4000 -g` for 4 s of a 5 s wrk
# run, and names the JIT-compiled functions with `jitdump_map.ts`. Prints two tables, in µs of the main
# thread's time per request served (the samples ÷ the requests wrk counted in those 4 s):
# - by the innermost JIT-compiled JavaScript function in each sample's call chain, with all the native and
#   kernel code below it ("(no JS)": callbacks' native dispatch, epoll, accept, the close of a socket);
# - by system call (a kernel sample's `__x64_sys_*` frame), and "(user)" for everything outside the kernel.
# Under a saturating load the figures also depend on the rate (fewer events per wake-up at a lower one), so
# compare the split, and programs measured one after the other on a quiet machine.
#
# usage: bench/minimal/perf_by_js.sh PORT COMMAND [OUT_DIR]
# e.g.   bench/minimal/perf_by_js.sh 19100 "bun bench/minimal/bun_callbacks.ts 19100 18080"
#        bench/minimal/perf_by_js.sh 19101 "bun src/main.ts -p '!:19101:tcp:bind-address=127.0.0.1' -v warning \
#          -b 'up:pass:local-port=19101,target.ip=127.0.0.1,target.port=18080'"
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 PORT COMMAND [OUT_DIR]" >&2; exit 2; }
port=$1 cmd=$2 out=${3:-$(mktemp -d)}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/minimal/runs_lib.sh
. "$here/runs_lib.sh"
mkdir -p "$out/jitdump"
if ss -ltnH "sport = :$port" | grep -q LISTEN; then echo "$0: port $port is in use" >&2; exit 1; fi
BUN_JSC_useJITDump=1 BUN_JSC_jitDumpDirectory="$out/jitdump" setsid bash -c "$cmd" > /dev/null 2>&1 &
pid=$(listen_pid "$port" 100)
[ -n "$pid" ] || { echo "$0: nothing listens on port $port" >&2; exit 1; }
trap 'kill -- -"$(ps -o pgid= "$pid" | tr -d " ")" 2> /dev/null || kill "$pid" 2> /dev/null || true' EXIT
load "$port" 3 > /dev/null
load "$port" 5 > "$out/wrk.txt" &
w=$!
sleep 0.5
perf record -F 4000 -g -t "$pid" -o "$out/perf.data" -- sleep 4 > /dev/null 2>&1
wait "$w"
bun "$here/jitdump_map.ts" "$(ls -t "$out"/jitdump/jit-*.dump | head -1)" "$pid" > /dev/null
requests=$(awk '/Requests\/sec/ { print $2 * 4 }' "$out/wrk.txt")
echo "$(awk '/Requests\/sec/ { print $2 }' "$out/wrk.txt") requests/s; $out"
perf script -i "$out/perf.data" 2> /dev/null > "$out/perf.txt"
echo "µs per request by innermost JavaScript function:"
awk -v REQ="$requests" '
  BEGIN { RS = ""; FS = "\n" }
  {
    name = "(no JS)"
    for (i = 2; i <= NF; i++) if ($i ~ /JSC-/) {
      name = $i; sub(/^[ \t]*[0-9a-f]+ JSC-[A-Za-z]+: /, "", name); sub(/#[A-Za-z0-9]+\+.*/, "", name); break
    }
    n[name]++; total++
  }
  END { for (k in n) printf "%8.2f  %s\n", n[k] * 250 / REQ, k; printf "%8.2f  TOTAL\n", total * 250 / REQ }
' "$out/perf.txt" | sort -rn | head -25
echo "µs per request by system call:"
awk -v REQ="$requests" '
  BEGIN { RS = ""; FS = "\n" }
  {
    name = "(user)"
    if ($2 ~ /kallsyms/) {
      name = "(kernel, no system call)"
      for (i = 2; i <= NF; i++) if ($i ~ /__x64_sys_/) {
        name = $i; sub(/^[ \t]*[0-9a-f]+ __x64_sys_/, "", name); sub(/\+0x.*/, "", name); break
      }
    }
    n[name]++
  }
  END { for (k in n) printf "%8.2f  %s\n", n[k] * 250 / REQ, k }
' "$out/perf.txt" | sort -rn | head -20
