#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Install what building and testing Keel needs, from Debian 12's packages.
# Idempotent: installs only what is missing. Needs root (or sudo).
#
#   tools/setup.sh            Keel's build and test packages
#   tools/setup.sh PKG...     just these (the Linux guest tools use this)
#
# Waits for a concurrent apt/dpkg instead of failing on its lock.
set -euo pipefail
packages=("$@")
[ ${#packages[@]} -eq 0 ] && packages=(cmake make gcc binutils nasm libcmocka-dev grub-pc-bin
  grub-common xorriso mtools bochs bochsbios vgabios bochs-term qemu-system-x86 socat e2fsprogs
  clang libclang-rt-14-dev clang-format python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >&2
