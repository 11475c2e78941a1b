#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Build (or reuse from a cache outside the repo) the gzip'ed newc initramfs for Keel's Linux
# guest tests: busybox-static plus tests/linux/init and tests/linux/tests/; prints its path.
#
#   tools/initramfs.sh [--modules DIR] [EXTRA_DIR...]
#
#   EXTRA_DIR       copied over the root of the image (e.g. EXTRA_DIR/tests/foo.sh adds
#                   the test keel.test=foo); later ones win
#   --modules DIR   a /lib/modules/<ver> tree, copied to /lib/modules/<basename DIR>
#                   (copied whole: pass a trimmed tree)
#
# Image: /bin/busybox with a symlink for every applet, /init (tests/linux/init),
# /tests/*.sh (tests/linux/tests), /dev/console, empty /proc /sys /tmp /root /mnt, a
# one-line /etc/passwd and /etc/group. Owned by root, mtimes 0: the same inputs give the
# same bytes. Only the path goes to stdout; progress and errors go to stderr.
# Cache (KEEL_CACHE, default ~/.cache/keel):
#   initramfs/<busybox-static version>-<sha256 of every input and this script>[:16]/initrd.img
# Installs busybox-static, cpio and gzip with apt-get when missing (needs root or sudo).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
linux="$keel_root/tests/linux"
cache=${KEEL_CACHE:-$HOME/.cache/keel}/initramfs
busybox=/bin/busybox


modules=
extras=()
while [ $# -gt 0 ]; do
  case $1 in
    --modules) [ $# -ge 2 ] || usage; modules=$2; shift 2 ;;
    --modules=*) modules=${1#--modules=}; shift ;;
    -h|--help) usage 0 ;;
    -*) die "unknown option: $1 (try --help)" ;;
    *) extras+=("$1"); shift ;;
  esac
done
[ -z "$modules" ] || [ -d "$modules" ] || die "no such modules directory: $modules"
for d in ${extras[@]+"${extras[@]}"}; do [ -d "$d" ] || die "no such directory: $d"; done

bbver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || true)
if [ -z "$bbver" ] || ! command -v cpio >/dev/null || ! command -v gzip >/dev/null; then
  apt_install busybox-static cpio gzip
  bbver=$(dpkg-query -W -f='${Version}' busybox-static)
fi
[ -x "$busybox" ] || die "$busybox missing although busybox-static is installed"

# Describe a tree for the cache key: structure (type, mode, path, link target) and contents.
describe() {  # DIR LABEL
  echo "== $2"
  (cd "$1" && find . -printf '%y %m %p %l\n' | LC_ALL=C sort &&
     find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}
hash=$( {
  echo "busybox-static $bbver"
  sha256sum "$busybox" "${BASH_SOURCE[0]}" "$linux/init"
  describe "$linux/tests" tests
  for d in ${extras[@]+"${extras[@]}"}; do describe "$d" extra; done
  [ -z "$modules" ] || describe "$modules" "modules $(basename "$modules")"
} | sha256sum | cut -c1-16)
out="$cache/${bbver//[:~]/_}-$hash"
if [ -f "$out/initrd.img" ]; then
  echo "$out/initrd.img"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/root"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc,mnt,tests,lib/modules}
chmod 1777 "$stage/tmp"
chmod 700 "$stage/root"

cp "$busybox" "$stage/bin/busybox"
"$busybox" --list-full | while IFS= read -r applet; do
  [ "$applet" = bin/busybox ] || [ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done
install -m 755 "$linux/init" "$stage/init"
cp -R "$linux/tests/." "$stage/tests/"
echo 'root:x:0:0:root:/root:/bin/sh' > "$stage/etc/passwd"
echo 'root:x:0:' > "$stage/etc/group"
for d in ${extras[@]+"${extras[@]}"}; do cp -R "$d/." "$stage/"; done
if [ -n "$modules" ]; then
  cp -R "$modules" "$stage/lib/modules/$(basename "$modules")"
fi
find "$stage" -exec touch -h -d @0 {} +

# newc header for an entry with no data (a directory or device node), padded to 4 bytes.
newc() {  # INO MODE(octal) NLINK RDEVMAJOR RDEVMINOR NAME
  local namesize=$(( ${#6} + 1 ))
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
    "$1" $((8#$2)) 0 0 "$3" 0 0 0 0 "$4" "$5" "$namesize" 0
  printf '%s\0' "$6"
  head -c $(( (4 - (110 + namesize) % 4) % 4 )) /dev/zero
}
# A first archive holding /dev/console (char 5:1), made without mknod (no root needed):
# the kernel opens it for init's stdin/stdout/stderr before /init runs. Zero-padded to
# 512 bytes, like cpio's own output, so `cpio -i` can also read the two in turn; the
# kernel unpacks concatenated archives and skips the zeros between them.
{
  newc 1 040755 2 0 0 dev
  newc 2 020600 1 5 1 dev/console
  newc 3 0 1 0 0 'TRAILER!!!'
} > "$work/console.cpio"
truncate -s %512 "$work/console.cpio"
{
  cat "$work/console.cpio"
  (cd "$stage" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
     cpio -o -H newc -R 0:0 --reproducible --quiet)
} | gzip -9 -n > "$work/initrd.img"

mkdir "$work/out"
mv "$work/initrd.img" "$work/out/"
# Same inputs give the same bytes, so losing a race with a concurrent run is fine.
mv -T "$work/out" "$out" 2>/dev/null || [ -f "$out/initrd.img" ] || die "cannot create $out"
log "built $(stat -c %s "$out/initrd.img") bytes"
echo "$out/initrd.img"
