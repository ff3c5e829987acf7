#!/usr/bin/env bash
# CPU time a proxy process spends per HTTP request under wrk (utime + stime of all its threads, from
# /proc/PID/stat, over one 3 s run after a 1 s warm-up). Less noisy than requests/s on a shared 2-core
# machine, because it does not depend on how the cores are split between wrk, the upstream and the proxy.
# wrk runs on CPU 0 (`taskset -c 0`); pin the proxy elsewhere (`taskset -a -p -c 1 PID`) to keep them apart.
#
# usage: bench/minimal/cpu_per_request.sh PID PORT [close|keep]
set -euo pipefail
pid=$1 port=$2 mode=${3:-close}
hdr=(); [ "$mode" = close ] && hdr=(-H "Connection: close")
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
taskset -c 0 wrk -t1 -c32 -d1s "${hdr[@]}" "http://127.0.0.1:$port/" > /dev/null
t0=$(ticks)
out=$(taskset -c 0 wrk -t1 -c32 -d3s "${hdr[@]}" "http://127.0.0.1:$port/")
t1=$(ticks)
req=$(awk '/requests in/ {print $1}' <<< "$out")
rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
hz=$(getconf CLK_TCK)
awk -v t="$((t1 - t0))" -v r="$req" -v hz="$hz" -v rps="$rps" -v m="$mode" \
  'BEGIN { printf "%s: %s req/s, %.1f us CPU per request, CPU %.0f%%\n", m, rps, t * 1e6 / hz / r, t * 100 / hz / 3 }'
