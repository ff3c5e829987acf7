#!/usr/bin/env bash
# What routing by content costs in cross-CPU wakeups. Four programs stay up side by side: pmmux by the
# listener's port (:19000) and by `detect=` (:19001), and the minimal Bun relay plain (:19002) and waiting for
# the first bytes (:19003). Each round measures both pairs in A-B-B-A order, wrk -c32 with `Connection: close`,
# nothing pinned, and for every run records, per request:
# - the rate, and the proxy's main thread on the CPU (µs, from /proc/PID/task/PID/schedstat), in user and
#   system mode apart (µs, from the thread's utime and stime: clock ticks, so only a long run resolves them);
# - the wakeups that thread made (`sched:sched_waking`), of the upstream and of wrk apart, and the
#   inter-processor interrupts it sent (`ipi:ipi_send_cpu`): waking a task whose CPU is idle takes one, and on a
#   VM whose idle CPUs halt that is a round trip through the hypervisor. PERF=0 leaves these out (NaN) and
#   keeps perf off the measured thread, which its recording slows.
# With HALT_POLL_NS="0 200000" (root, cpuidle driver `haltpoll`), each round runs once per value of
# /sys/module/haltpoll/parameters/guest_halt_poll_ns, in alternating order; an idle CPU that polls is woken
# without an interrupt. The setting is put back at exit. Prints one CSV line per run, then the summary
# (`detect_wakeups_summary.ts`). Needs perf with tracepoints (root) unless PERF=0.
#
# usage: [HALT_POLL_NS="0 200000"] [PERF=0] bench/minimal/detect_wakeups.sh src|bin UPSTREAM_PORT [ROUNDS] [SECONDS]
set -euo pipefail
which=$1 upstream=$2 rounds=${3:-4} secs=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/minimal/detect_programs.sh
. "$here/detect_programs.sh"
# shellcheck source=bench/minimal/runs_lib.sh
. "$here/runs_lib.sh"
usage() {
  echo "usage: [HALT_POLL_NS=\"0 200000\"] [PERF=0] $0 src|bin UPSTREAM_PORT [ROUNDS] [SECONDS]" >&2
  exit 2
}
[ "$which" = src ] || [ "$which" = bin ] || usage
use_perf=${PERF:-1}
if [ "$use_perf" != 0 ]; then
  command -v perf > /dev/null || { echo "$0: needs perf (apt install linux-perf), or PERF=0" >&2; exit 1; }
  events=$(perf list 2> /dev/null || true)
  for event in sched:sched_waking ipi:ipi_send_cpu; do
    grep -q "$event" <<< "$events" || { echo "$0: perf does not offer the tracepoint $event" >&2; exit 1; }
  done
fi
knob=/sys/module/haltpoll/parameters/guest_halt_poll_ns
settings=${HALT_POLL_NS:-}
if [ -n "$settings" ] && [ ! -w "$knob" ]; then
  echo "$0: HALT_POLL_NS needs a writable $knob (root, cpuidle driver haltpoll)" >&2
  exit 1
fi
original=$(cat "$knob" 2> /dev/null || echo "")
upstream_comm=$(ss -ltnpH "sport = :$upstream" | grep -o '(("[^"]*"' | head -1 | tr -d '("' || true)
[ -n "$upstream_comm" ] || { echo "$0: nothing listens on 127.0.0.1:$upstream" >&2; exit 1; }
declare -A name=([19000]=pmmux-port [19001]=pmmux-detect [19002]=minimal [19003]=minimal-wait)
detect_programs "$which" "$upstream" 19000 19001
"${by_port[@]}" > /dev/null 2>&1 &
"${by_detect[@]}" > /dev/null 2>&1 &
detect_programs minimal "$upstream" 19002 19003
"${by_port[@]}" > /dev/null 2>&1 &
"${by_detect[@]}" > /dev/null 2>&1 &
work=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2> /dev/null || true
  [ -n "$settings" ] && echo "$original" > "$knob"
  rm -rf "$work"
}
trap cleanup EXIT
declare -A pid
for port in 19000 19001 19002 19003; do pid[$port]=$(listen_pid $port 100); done
for port in 19000 19001 19002 19003; do load $port 3 > /dev/null; done

# One measured run: round, halt-poll setting, port.
run() {
  local round=$1 setting=$2 port=$3 p=${pid[$3]} r0 r1 u0 u1 s0 s1 rest out requests recorder=""
  read -r r0 rest < "/proc/$p/task/$p/schedstat"
  read -r u0 s0 < <(ticks "$p")
  if [ "$use_perf" != 0 ]; then
    perf record -q -e sched:sched_waking -e ipi:ipi_send_cpu -t "$p" -o "$work/perf.data" -- sleep "$secs" \
      > /dev/null 2>&1 &
    recorder=$!
  fi
  out=$(load "$port" "$secs")
  if [ -n "$recorder" ]; then wait "$recorder"; fi
  read -r r1 rest < "/proc/$p/task/$p/schedstat"
  read -r u1 s1 < <(ticks "$p")
  requests=$(awk '/requests in/ {print $1}' <<< "$out")
  if [ -n "$recorder" ]; then perf script -i "$work/perf.data" -F event,trace 2> /dev/null; fi | awk -v q="$requests" \
    -v s="$secs" -v run_ns=$((r1 - r0)) -v user_us=$(((u1 - u0) * tick_us)) -v sys_us=$(((s1 - s0) * tick_us)) \
    -v traced="$recorder" -v round="$round" -v setting="$setting" -v prog="${name[$port]}" -v up="$upstream_comm" '
    /sched_waking/ { wakes++; c = $2; sub(/^comm=/, "", c); if (c == up) to_up++; else if (c == "wrk") to_wrk++ }
    /ipi_send_cpu/ { ipis++ }
    END {
      printf "%s,%s,%s,%.0f,%.1f,%.2f,%.2f,", round, setting, prog, q / s, run_ns / q / 1000, user_us / q, sys_us / q
      if (traced == "") print "NaN,NaN,NaN,NaN"
      else printf "%.3f,%.3f,%.3f,%.3f\n", ipis / q, wakes / q, to_up / q, to_wrk / q
    }'
}

echo "$csv_header" | tee "$work/runs.csv"
for round in $(seq "$rounds"); do
  order=${settings:-machine}
  [ $((round % 2)) = 0 ] && order=$(tr ' ' '\n' <<< "$order" | tac | tr '\n' ' ')
  for setting in $order; do
    if [ "$setting" != machine ]; then echo "$setting" > "$knob"; sleep 0.3; fi
    [ "$setting" = machine ] && setting=${original:-none}
    for port in 19000 19001 19001 19000 19002 19003 19003 19002; do run "$round" "$setting" $port; done
  done
done | tee -a "$work/runs.csv"
echo
bun "$here/detect_wakeups_summary.ts" < "$work/runs.csv"
