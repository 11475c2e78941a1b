#!/usr/bin/env bash
# Install what building and testing Keel needs, from Debian 12's packages.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
packages=(cmake make gcc binutils nasm libcmocka-dev grub-pc-bin grub-common xorriso mtools
          bochs bochsbios vgabios bochs-term qemu-system-x86 socat)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
