# shellcheck shell=bash
# Sourced by detect_wakeups.sh, user_time.sh and perf_by_js.sh: what a measured run of a relay under wrk needs.

# The CSV header of a measured run (`detect_wakeups_summary.ts` reads these columns; user_time.sh leaves the
# perf ones NaN).
csv_header="round,halt_poll_ns,program,rate,cpu_us,user_us,sys_us,ipis,wakes,wakes_upstream,wakes_wrk"

# Microseconds per clock tick of /proc's utime and stime.
tick_us=$((1000000 / $(getconf CLK_TCK)))

# `listen_pid PORT TRIES`: waits up to TRIES × 0.1 s for a TCP listener on PORT and prints its process's pid.
listen_pid() {
  local _
  for _ in $(seq "$2"); do ss -ltnH "sport = :$1" | grep -q LISTEN && break; sleep 0.1; done
  ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2
}

# `load PORT SECONDS`: wrk's report for new connections (`Connection: close`, 32 at a time) to 127.0.0.1:PORT.
load() { wrk -t1 -c32 -d"$2"s -H "Connection: close" "http://127.0.0.1:$1/"; }

# `ticks TID`: the thread's user and system clock ticks (fields 14 and 15 of its stat; its name has no blanks).
ticks() { awk '{print $14, $15}' "/proc/$1/task/$1/stat"; }
