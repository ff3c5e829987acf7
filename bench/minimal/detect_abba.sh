#!/usr/bin/env bash
# The bench's detection measure on its own, for more rounds than a full run gives it: two processes run side by
# side, one routing by the listener's port and one by `detect=` (five decoy detectors that answer "no" before
# `detect=http`, as in `bench/contenders.ts`), and wrk -c32 with `Connection: close` measures them in A-B-B-A
# order per round. Prints each round's rates and the ratio, detect ÷ by-port.
#
# usage: bench/minimal/detect_abba.sh src|bin|minimal UPSTREAM_PORT [ROUNDS] [SECONDS]
#   src: pmmux on Bun from this tree; bin: dist/pmmux (`deno task compile:bun`); minimal: the minimal Bun
#   relay, plain against `wait` (connects once the first bytes are in). The upstream is an HTTP server on
#   127.0.0.1:UPSTREAM_PORT (for example nginx `return 200`). Listens on 127.0.0.1:19000 and :19001.
set -euo pipefail
which=$1 upstream=$2 rounds=${3:-4} secs=${4:-3}
# shellcheck source=bench/minimal/detect_programs.sh
. "$(dirname "$0")/detect_programs.sh"
detect_programs "$which" "$upstream" 19000 19001 || {
  echo "usage: $0 src|bin|minimal UPSTREAM_PORT [ROUNDS] [SECONDS]" >&2
  exit 2
}
"${by_port[@]}" > /dev/null 2>&1 &
a=$!
"${by_detect[@]}" > /dev/null 2>&1 &
b=$!
trap 'kill $a $b 2> /dev/null || true' EXIT
for _ in $(seq 100); do
  ss -ltnH "sport = :19000" | grep -q LISTEN && ss -ltnH "sport = :19001" | grep -q LISTEN && break
  sleep 0.1
done
rate() {
  wrk -t1 -c32 -d"${secs}s" -H "Connection: close" "http://127.0.0.1:$1/" | awk '/Requests\/sec/ {print $2}'
}
rate 19000 > /dev/null
rate 19001 > /dev/null
for i in $(seq "$rounds"); do
  p1=$(rate 19000); d1=$(rate 19001); d2=$(rate 19001); p2=$(rate 19000)
  awk -v i="$i" -v p1="$p1" -v p2="$p2" -v d1="$d1" -v d2="$d2" 'BEGIN {
    printf "round %d: by-port %.0f %.0f, detect %.0f %.0f, detect ÷ by-port %.3f\n", i, p1, p2, d1, d2, (d1 + d2) / (p1 + p2)
  }'
done
