# SPDX-License-Identifier: BSD-2-Clause
# The scenario tables' checker, sourced by tools/test.sh (which defines
# result and bochs_failed). A table line is NAME|END|REGEX: VM NAME must end
# exactly once, with END (or, written re:RE, an end matching RE), and its
# serial output must match REGEX when one is given.

check_scenarios() {  # DIR FILE: the expected end lines and output in DIR/serial.txt
  local serial=$1/serial.txt
  while IFS='|' read -r name expected regex; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    label="vm $name: $expected${regex:+ + /$regex/}"
    if [ -n "$bochs_failed" ]; then
      result 1 "$label" "Bochs failed: $bochs_failed"
      continue
    fi
    lines=$(grep -aF "keel: vm $name ended: " "$serial")
    count=$(printf '%s' "$lines" | grep -c . || true)
    actual=${lines#*ended: }
    ok=1
    if [ "$count" -ne 1 ]; then
      ok=0; actual="$count end lines"
    elif [[ "$expected" == re:* ]]; then
      [[ "$actual" =~ ${expected#re:} ]] || ok=0
    else
      [ "$actual" = "$expected" ] || ok=0
    fi
    if [ $ok -eq 1 ] && [ -n "$regex" ]; then
      # Output carries "[name] " when several VMs share the console; alone, it does not.
      if grep -qaF "[$name] " "$serial"; then
        grep -aF "[$name] " "$serial"
      else
        cat "$serial"
      fi | grep -qaE -- "$regex" || { ok=0; actual="serial output lacks /$regex/"; }
    fi
    [ $ok -eq 1 ] && result 0 "$label" || result 1 "$label" "got: $actual"
  done < "$2"
}
