# SPDX-License-Identifier: BSD-2-Clause
# The scheduler group's own checks, sourced by tools/test.sh (which defines
# result and bochs_failed), on top of its scenario table.

check_sched_group() {  # DIR: serial.txt of the 1-CPU run of tests/sched/scenarios.txt
  local serial=$1/serial.txt
  if [ -n "$bochs_failed" ]; then
    result 1 "sched: the checks of the 1-CPU group" "Bochs failed: $bochs_failed"
    return
  fi
  # 1. A guest spinning with interrupts off does not keep the CPU: every
  #    other VM ends while it spins.
  local spin_at late=() n name
  spin_at=$(grep -anF "keel: vm spin ended: " "$serial" | head -n1 | cut -d: -f1)
  while IFS='|' read -r name _; do
    [[ -z "$name" || "$name" == \#* || "$name" == spin ]] && continue
    n=$(grep -anF "keel: vm $name ended: " "$serial" | head -n1 | cut -d: -f1)
    [ -n "$n" ] && [ -n "$spin_at" ] && [ "$n" -lt "$spin_at" ] || late+=("$name")
  done < tests/sched/scenarios.txt
  [ -n "$spin_at" ] && [ ${#late[@]} -eq 0 ]
  result $? "sched: 1 CPU, a guest spinning with interrupts off: the other VMs end before it" \
    "not ended before spin: ${late[*]:-spin never ended}"

  # 2. Console lines of VMs on one console never mix: every flood line
  #    arrives whole, on a line of its own, prefixed once.
  local whole broken
  whole=$(tr -d '\r' < "$serial" | grep -acE '^\[flood\] flood: line [0-9]+ ')
  broken=$(tr -d '\r' < "$serial" | grep -aE 'flood: line [0-9]+ ' | grep -avcE '^\[flood\] flood: line [0-9]+ [^[]*$')
  [ "$whole" -eq 200 ] && [ "$broken" -eq 0 ]
  result $? "sched: 200 flood lines arrive whole beside the other VMs' output" \
    "$whole whole lines, $broken mixed or broken"
}

check_weights_group() {  # DIR: serial.txt of the 1-CPU run of tests/sched/weights.txt
  local serial=$1/serial.txt
  if [ -n "$bochs_failed" ]; then
    result 1 "sched: cpu_weight 512 vs 256" "Bochs failed: $bochs_failed"
    return
  fi
  # Weights 256:512 give the two CPU-bound guests about 1:2 of the CPU
  #    they share, as each counts its own loop iterations in the same window.
  local a b ratio
  a=$(grep -aoE '\[share\] share: tag=a iterations=[0-9]+' "$serial" | grep -oE '[0-9]+$')
  b=$(grep -aoE '\[share_b\] share: tag=b iterations=[0-9]+' "$serial" | grep -oE '[0-9]+$')
  if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -gt 0 ]; then
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')
    echo "sched: cpu_weight 512:256 gave iterations $b:$a = $ratio"
    awk -v r="$ratio" 'BEGIN { exit !(r >= 1.5 && r <= 2.6) }'
    result $? "sched: cpu_weight 512 vs 256 gets 1.5-2.6 times the CPU (measured $ratio)" "iterations $b vs $a"
  else
    result 1 "sched: cpu_weight 512 vs 256 gets 1.5-2.6 times the CPU" "no iteration counts (a='$a' b='$b')"
  fi

}
