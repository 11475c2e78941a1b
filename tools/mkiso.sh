#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Build a GRUB2 ISO holding keel.elf, VM configs and every file they name.
#
#   tools/mkiso.sh -o OUT.iso -k keel.elf -d FILES_DIR [-c "keel cmdline"] [-l LATER_CFG]... CFG...
#
# Each CFG becomes `module2 /boot/NAME.cfg /boot/NAME.cfg type=vm`, each
# LATER_CFG `... type=vm start=no` (not started at boot: the monitor's
# `create /boot/NAME.cfg` starts it; CFGs after a `--` are LATER_CFGs too); every
# "/boot/..." path a config names (kernel, ramdisk, modules) is taken from
# FILES_DIR by its base name and given as `module2 /boot/BASENAME /boot/BASENAME`.
# The path is written twice because GRUB 2 passes a module only the words
# after its file name, and Keel matches config paths against that string.
set -euo pipefail

out= keel= files= cmdline="console=com1" later_cfgs=()
while getopts "o:k:d:c:l:" opt; do
  case $opt in
    o) out=$OPTARG ;;
    k) keel=$OPTARG ;;
    d) files=$OPTARG ;;
    c) cmdline=$OPTARG ;;
    l) later_cfgs+=("$OPTARG") ;;
    *) echo "usage: $0 -o OUT.iso -k keel.elf -d FILES_DIR [-c CMDLINE] [-l LATER_CFG]... CFG..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ ${#later_cfgs[@]} -eq 0 ] || set -- "$@" -- "${later_cfgs[@]}"
[ -n "$out" ] && [ -n "$keel" ] && [ -n "$files" ] || { echo "$0: -o, -k and -d are required" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$keel" "$stage/boot/keel.elf"

entries="    multiboot2 /boot/keel.elf $cmdline"$'\n'
declare -A seen=()
later=
for cfg in "$@"; do
  if [ "$cfg" = -- ]; then later=" start=no"; continue; fi
  [ -f "$cfg" ] || { echo "$0: no such config: $cfg" >&2; exit 1; }
  name=$(basename "$cfg")
  cp "$cfg" "$stage/boot/$name"
  entries+="    module2 /boot/$name /boot/$name type=vm$later"$'\n'
  # Files a config names: quoted strings that start with /boot/, first word only.
  for path in $(grep -v '^[[:space:]]*#' "$cfg" | grep -o "[\"']/boot/[^\"' ,]*" | tr -d "\"'" || true); do
    [ -n "${seen[$path]:-}" ] && continue
    seen[$path]=1
    src="$files/$(basename "$path")"
    if [ -f "$src" ]; then
      cp "$src" "$stage$path"
      entries+="    module2 $path $path"$'\n'
    else
      # Left out on purpose: Keel must report the missing module itself.
      echo "$0: note: $path (named in $name) not found in $files; not added" >&2
    fi
  done
done

cat > "$stage/boot/grub/grub.cfg" <<GRUB
set timeout=0
set default=0
menuentry "Keel" {
$entries}
GRUB
grub-mkrescue -o "$out" "$stage" >/dev/null 2>&1 || { echo "$0: grub-mkrescue failed" >&2; grub-mkrescue -o "$out" "$stage"; exit 1; }
echo "$out"
