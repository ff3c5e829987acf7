#!/usr/bin/env bash
# p99 latency of keep-alive relays at a paced rate, right after start and later. Each round starts every
# program afresh (`PORT` in its command is replaced by 19000), gives it the warm-up the bench gave the latency
# measure before 2026-11-23 (wrk -c32 unpaced keep-alive, 3 s), then runs three paced loads one after the
# other: 3 s, 3 s again, then 8 s. The paced load is the bench's: CONNECTIONS connections (default 355), each
# pausing a random 5-15 ms after each response. Every paced run opens its connections anew, so the first one
# is where the process meets that many connections for the first time.
# Prints one line per program and round: the three p99 figures (ms) and the first run's rate.
#
# usage: bench/minimal/latency_warmup.sh ROUNDS UPSTREAM_PORT NAME=COMMAND [NAME=COMMAND ...]
# e.g.   bench/minimal/latency_warmup.sh 4 18080 "minimal=deno run -A bench/minimal/deno_loop.ts PORT 18080" \
#          "pmmux=deno run -A --unstable-net src/main.ts -p '!:PORT:tcp:bind-address=127.0.0.1' -v warning -b 'up:pass:target.ip=127.0.0.1,target.port=18080'"
set -euo pipefail
[ $# -ge 3 ] || {
  echo "usage: $0 ROUNDS UPSTREAM_PORT NAME=COMMAND [NAME=COMMAND ...]" >&2
  exit 2
}
rounds=$1 upstream=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/minimal/runs_lib.sh
. "$here/runs_lib.sh"
port=19000 conns=${CONNECTIONS:-355}
curl -fsS -o /dev/null "http://127.0.0.1:$upstream/" || {
  echo "$0: nothing answers HTTP on 127.0.0.1:$upstream" >&2
  exit 1
}
lua=$(mktemp --suffix=.lua)
running="" group=""
# The whole process group goes: `deno run --v8-flags=…` runs the program in a child of the process it starts.
stop() {
  kill -- "-$group" 2> /dev/null || true
  while kill -0 "$running" 2> /dev/null; do sleep 0.05; done
  running="" group=""
}
cleanup() {
  [ -z "$group" ] || stop
  rm -f "$lua"
}
trap cleanup EXIT
cat > "$lua" << 'EOF'
function delay() return math.random(5, 15) end
function done(summary, latency, requests)
  io.write(string.format("RESULT %.2f %.0f\n", latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
EOF
# `paced SECONDS`: "p99_ms rate" of one paced run.
paced() { wrk -t1 -c"$conns" -d"$1"s -s "$lua" "http://127.0.0.1:$port/" | awk '/^RESULT/ {print $2, $3}'; }
for round in $(seq "$rounds"); do
  for spec in "$@"; do
    name=${spec%%=*} cmd=${spec#*=}
    if ss -ltnH "sport = :$port" | grep -q LISTEN; then
      echo "$0: port $port is in use" >&2
      exit 1
    fi
    setsid bash -c "${cmd//PORT/$port}" > /dev/null 2>&1 &
    group=$!
    running=$(listen_pid "$port" 100)
    [ -n "$running" ] || {
      echo "$0: $name does not listen on port $port" >&2
      exit 1
    }
    wrk -t1 -c32 -d3s "http://127.0.0.1:$port/" > /dev/null
    read -r first rate < <(paced 3)
    read -r again _ < <(paced 3)
    read -r later _ < <(paced 8)
    printf "round %s %-12s p99 ms: first 3 s %6s, next 3 s %6s, next 8 s %6s (first run %s req/s)\n" \
      "$round" "$name" "$first" "$again" "$later" "$rate"
    stop
  done
done
