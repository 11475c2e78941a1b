#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Build the libFuzzer targets (tests/fuzz/) into $KEEL_BUILD/fuzz and run each
# on a scratch copy of its seed corpus, for a time or a number of runs.
#
#   tools/fuzz.sh [--seconds N | --runs N] [--jobs J] [TARGET...]
#
# --seconds N  fuzz each target for N seconds (default 60)
# --runs N     instead, run N inputs per target (the long run: 10000000)
# --jobs J     targets fuzzed at once (default 2)
# TARGET       fuzz_xenstore, fuzz_blkback, ... (default: all, in this order)
#
# Prints one line per target, in target order:
#   fuzz: NAME: ok: E executions in S s, cov C, ft F
#   fuzz: NAME: FAILED: reason (artifact PATH)
# and exits non-zero if any failed. Logs, scratch corpora and crash inputs
# stay in $KEEL_BUILD/fuzz/run/NAME/ (the committed corpus is never written).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${KEEL_BUILD:-$root/build}
out=$build/fuzz

all_targets=(fuzz_xenstore fuzz_blkback fuzz_netback fuzz_mmio_decode fuzz_config fuzz_linux_loader fuzz_multiboot fuzz_net_offload)
declare -A max_len=([fuzz_xenstore]=4096 [fuzz_blkback]=2048 [fuzz_netback]=8192 [fuzz_mmio_decode]=32 [fuzz_config]=4096
                    [fuzz_linux_loader]=16384 [fuzz_multiboot]=16384 [fuzz_net_offload]=16384)

seconds=60 runs= jobs=2 targets=()
usage() { sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=${2:?}; runs=; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --jobs) jobs=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) [ -n "${max_len[$1]:-}" ] || { echo "fuzz.sh: unknown target $1" >&2; exit 2; }
       targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

mkdir -p "$out"
fail_all() {  # every target fails for one reason
  for t in "${targets[@]}"; do echo "fuzz: $t: FAILED: $1 (artifact $2)"; done
  exit 1
}
command -v clang >/dev/null || fail_all "clang not found (tools/setup.sh installs it)" none
if ! { cmake -S tests/fuzz -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE= &&
       cmake --build "$out" -j"$(nproc)" --target "${targets[@]}"; } > "$out/build.log" 2>&1; then
  fail_all "build failed" "$out/build.log"
fi

# run_target NAME: fuzz it, leaving log and rc in its run directory.
run_target() {
  local t=$1 dir=$out/run/$1 limit
  rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -r "tests/fuzz/corpus/$t/." "$dir/corpus/" 2>/dev/null
  if [ -n "$runs" ]; then limit=-runs=$runs; else limit=-max_total_time=$seconds; fi
  local dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  "$out/$t" "$limit" -max_len="${max_len[$t]}" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "${dict[@]}" "$dir/corpus" > "$dir/log" 2>&1
  echo $? > "$dir/rc"
}

for t in "${targets[@]}"; do
  while [ "$(jobs -pr | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_target "$t" &
done
wait

failed=0
for t in "${targets[@]}"; do
  dir=$out/run/$t log=$out/run/$t/log rc=$(cat "$out/run/$t/rc" 2>/dev/null || echo 1)
  done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n1)
  stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n1)
  if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
    execs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1/' <<< "$done_line")
    secs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\2/' <<< "$done_line")
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<< "$stats")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<< "$stats")
    echo "fuzz: $t: ok: $execs executions in $secs s, cov ${cov:-?}, ft ${ft:-?}"
    continue
  fi
  failed=$((failed + 1))
  reason=$(sed -nE "s/^INVARIANT: [^:]*: (.*)/\1/p" "$log" | head -n1)
  [ -n "$reason" ] || reason=$(sed -nE 's/^SUMMARY: (.*)/\1/p' "$log" | head -n1)
  [ -n "$reason" ] || reason=$(sed -nE 's/^==[0-9]+== ?ERROR: (.*)/\1/p' "$log" | head -n1)
  [ -n "$reason" ] || reason="exit status $rc, see $log"
  artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | head -n1)
  echo "fuzz: $t: FAILED: $reason (artifact ${artifact:-$log})"
done
[ "$failed" -eq 0 ]
