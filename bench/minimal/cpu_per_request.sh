#!/usr/bin/env bash
# CPU time a proxy process spends per HTTP request under wrk (utime + stime of all its threads, from
# /proc/PID/stat, over one run after a warm-up). Less noisy than requests/s on a shared 2-core machine, because
# it does not depend on how the cores are split between wrk, the upstream and the proxy.
# wrk runs on CPU 0 (`taskset -c 0`); pin the proxy elsewhere (`taskset -a -p -c 1 PID`) to keep them apart.
#
# Two loads:
# - saturated (default): wrk -c32 as fast as it goes, 1 s warm-up, 3 s measured. The CPU per request then
#   depends on the rate itself (a slower proxy batches fewer events per wake-up), which magnifies differences.
# - `paced`: wrk -c50 where each connection pauses a random 5-15 ms after each response (about 4.5k requests/s
#   with `close`, well under any contender's limit), 3 s warm-up, 5 s measured: every proxy serves the same
#   rate, so the figure compares the work per request alone. Same-round differences of 3-4 µs show here.
#
# usage: bench/minimal/cpu_per_request.sh PID PORT [close|keep] [paced]
set -euo pipefail
pid=$1 port=$2 mode=${3:-close} load=${4:-saturated}
hdr=(); [ "$mode" = close ] && hdr=(-H "Connection: close")
args=(-t1 -c32); warm=1; secs=3
if [ "$load" = paced ]; then
  lua=$(mktemp --suffix=.lua)
  trap 'rm -f "$lua"' EXIT
  echo 'function delay() return math.random(5, 15) end' > "$lua"
  args=(-t1 -c50 -s "$lua"); warm=3; secs=5
fi
# utime and stime, in clock ticks, summed over the process's threads.
ticks() { awk '{print $14, $15}' "/proc/$pid/stat"; }
taskset -c 0 wrk "${args[@]}" -d${warm}s "${hdr[@]}" "http://127.0.0.1:$port/" > /dev/null
read -r u0 s0 <<< "$(ticks)"
out=$(taskset -c 0 wrk "${args[@]}" -d${secs}s "${hdr[@]}" "http://127.0.0.1:$port/")
read -r u1 s1 <<< "$(ticks)"
req=$(awk '/requests in/ {print $1}' <<< "$out")
rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
hz=$(getconf CLK_TCK)
awk -v u="$((u1 - u0))" -v k="$((s1 - s0))" -v r="$req" -v hz="$hz" -v rps="$rps" -v m="$mode $load" -v s="$secs" \
  'BEGIN { t = u + k; printf "%s: %s req/s, %.1f us CPU per request (user %.1f, system %.1f), CPU %.0f%%\n",
    m, rps, t * 1e6 / hz / r, u * 1e6 / hz / r, k * 1e6 / hz / r, t * 100 / hz / s }'
