# shellcheck shell=bash
# Sourced by detect_abba.sh and detect_wakeups.sh: the two programs the bench's detection measure compares.
# `detect_programs WHICH UPSTREAM_PORT PORT_BY_PORT PORT_BY_DETECT` sets the arrays `by_port` and `by_detect`:
#   src: pmmux on Bun from this tree; bin: dist/pmmux (`deno task compile:bun`); minimal: the minimal Bun relay,
#   plain against `wait` (connects once the first bytes are in).
# pmmux by `detect=` gets five decoy detectors that answer "no" before `detect=http`, as in
# `bench/contenders.ts` (a shell script cannot import its `DECOYS`).
detect_programs() {
  local which=$1 upstream=$2 port_a=$3 port_b=$4 root pmmux decoy
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  local target="target.ip=127.0.0.1,target.port=$upstream"
  case $which in
    src) pmmux=(bun "$root/src/main.ts") ;;
    bin) pmmux=("$root/dist/pmmux") ;;
    minimal)
      by_port=(bun "$root/bench/minimal/bun_callbacks.ts" "$port_a" "$upstream")
      by_detect=(bun "$root/bench/minimal/bun_callbacks.ts" "$port_b" "$upstream" wait)
      return 0
      ;;
    *) return 1 ;;
  esac
  by_port=("${pmmux[@]}" -p "!:$port_a:tcp:bind-address=127.0.0.1" -v warning -b "web:pass:local-port=$port_a,$target")
  by_detect=("${pmmux[@]}" -p "!:$port_b:tcp:bind-address=127.0.0.1" -v warning)
  for decoy in ssh tls socks5 rdp mqtt; do by_detect+=(-b "decoy-$decoy:pass:detect=$decoy,$target"); done
  by_detect+=(-b "web:pass:detect=http,$target")
}
