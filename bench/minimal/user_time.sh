#!/usr/bin/env bash
# User and system CPU per request of two to four TCP relays, side by side. Each program is started with `PORT`
# in its command replaced by its own port (19000, 19001, ...) and stays up for the whole series. Each round
# runs them in order and then in reverse (A-B-C-D-D-C-B-A; the next round starts from the other end), wrk -c32
# with `Connection: close`, nothing pinned, and records per run the rate and the main thread's time on the CPU,
# in user and in system mode apart (µs per request, from its schedstat, utime and stime). Prints one CSV line
# per run (the columns of `detect_wakeups.sh`, without its perf columns), then the summary: medians per program,
# and for every program after the first its rate ÷ the first's per round and the µs per request it adds.
#
# usage: bench/minimal/user_time.sh ROUNDS SECONDS NAME=COMMAND NAME=COMMAND [NAME=COMMAND [NAME=COMMAND]]
# e.g.   bench/minimal/user_time.sh 8 3 "minimal=bun bench/minimal/bun_callbacks.ts PORT 18080" \
#          "pmmux=bun src/main.ts -p '!:PORT:tcp:bind-address=127.0.0.1' -v warning -b 'up:pass:target.ip=127.0.0.1,target.port=18080'"
set -euo pipefail
usage() {
  echo "usage: $0 ROUNDS SECONDS NAME=COMMAND NAME=COMMAND [NAME=COMMAND [NAME=COMMAND]]" >&2
  exit 2
}
[ $# -ge 4 ] && [ $# -le 6 ] || usage
rounds=$1 secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/minimal/runs_lib.sh
. "$here/runs_lib.sh"
names=() ports=()
for spec in "$@"; do
  [[ $spec == *=* ]] || usage
  port=$((19000 + ${#names[@]}))
  if ss -ltnH "sport = :$port" | grep -q LISTEN; then echo "$0: port $port is in use" >&2; exit 1; fi
  names+=("${spec%%=*}")
  ports+=("$port")
  cmd=${spec#*=}
  setsid bash -c "${cmd//PORT/$port}" > /dev/null 2>&1 &
done
work=$(mktemp -d)
cleanup() {
  for port in "${ports[@]}"; do kill "$(listen_pid "$port" 1)" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
declare -A pid
for port in "${ports[@]}"; do
  pid[$port]=$(listen_pid "$port" 100)
  [ -n "${pid[$port]}" ] || { echo "$0: nothing listens on port $port" >&2; exit 1; }
done
for port in "${ports[@]}"; do load "$port" 3 > /dev/null; done
setting=$(cat /sys/module/haltpoll/parameters/guest_halt_poll_ns 2> /dev/null || echo none)

echo "$csv_header" | tee "$work/runs.csv"
forward=("${!ports[@]}")
backward=()
for ((i = ${#ports[@]} - 1; i >= 0; i--)); do backward+=("$i"); done
for round in $(seq "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order=("${forward[@]}" "${backward[@]}"); else order=("${backward[@]}" "${forward[@]}"); fi
  for i in "${order[@]}"; do
    p=${pid[${ports[$i]}]}
    read -r r0 _ < "/proc/$p/task/$p/schedstat"
    read -r u0 s0 < <(ticks "$p")
    requests=$(load "${ports[$i]}" "$secs" | awk '/requests in/ {print $1}')
    read -r r1 _ < "/proc/$p/task/$p/schedstat"
    read -r u1 s1 < <(ticks "$p")
    awk -v q="$requests" -v s="$secs" -v run_ns=$((r1 - r0)) -v user_us=$(((u1 - u0) * tick_us)) \
      -v sys_us=$(((s1 - s0) * tick_us)) -v round="$round" -v setting="$setting" -v prog="${names[$i]}" 'BEGIN {
        printf "%s,%s,%s,%.0f,%.1f,%.2f,%.2f,NaN,NaN,NaN,NaN\n", round, setting, prog, q / s, run_ns / q / 1000,
          user_us / q, sys_us / q
      }'
  done
done | tee -a "$work/runs.csv"
echo
pairs=()
for name in "${names[@]:1}"; do pairs+=("$name/${names[0]}"); done
bun "$here/detect_wakeups_summary.ts" "${pairs[@]}" < "$work/runs.csv"
