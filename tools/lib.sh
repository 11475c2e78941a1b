# SPDX-License-Identifier: BSD-2-Clause
# What Keel's tools share: sourced by tools/*.sh, never run. Sets keel_root
# (the repository) and tool (the script's name).
#
#   log MSG / die MSG      progress and errors on stderr, prefixed with the tool
#   usage [STATUS]         the script's header comment (up to `set -...`) as help
#   apt_install PKG...     tools/setup.sh: installs only what is missing
#   keel_build             install what is missing and build; sets $build
#   linux_guest_files DIR  the small kernel and the test initramfs as DIR/bzImage
#                          and DIR/initrd.img (built or taken from the cache)
#   boot_in_bochs ISO DIR [TIMEOUT] [CPUS] [VAR=VALUE...]
#                          tools/run-bochs.sh at ips=200M with COM1 to DIR/serial.log,
#                          its report in DIR/bochs.txt and DIR/serial.txt without CRs;
#                          returns the runner's status
keel_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tool=$(basename "$0" .sh)

log() { echo "$tool: $*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,/^set -/p' "$0" | sed '$d; /SPDX-License-Identifier/d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }
apt_install() { "$keel_root/tools/setup.sh" "$@"; }

keel_build() {
  "$keel_root/tools/build.sh" || exit 1
  build=${KEEL_BUILD:-$keel_root/build}
}

linux_guest_files() {  # DIR
  local kernel initrd
  kernel=$("$keel_root/tools/linux-kernel.sh") && initrd=$("$keel_root/tools/initramfs.sh") || return 1
  mkdir -p "$1" && cp "$kernel" "$1/bzImage" && cp "$initrd" "$1/initrd.img"
}

# Keel runs guests on the TSC rate it measures, so a low ips only makes
# emulated waits (BIOS, GRUB, the UART's line rate) cost fewer instructions.
boot_in_bochs() {  # ISO DIR [TIMEOUT] [CPUS] [VAR=VALUE...]
  local iso=$1 dir=$2 timeout=${3:-900} cpus=${4:-1} rc
  shift $(($# < 4 ? $# : 4))
  env KEEL_BOCHS_IPS=200000000 "$@" "$keel_root/tools/run-bochs.sh" "$iso" "$dir/serial.log" \
    "$timeout" "$cpus" > "$dir/bochs.txt" 2>&1
  rc=$?
  tr -d '\r' < "$dir/serial.log" > "$dir/serial.txt" 2>/dev/null
  return $rc
}
