#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Build (or reuse from a cache outside the repo) a small x86_64 Linux bzImage for Keel's
# Linux guest tests, or unpack Debian's stock kernel; prints the path on stdout.
#
#   tools/linux-kernel.sh                   tinyconfig + tests/linux/keel.config, from Debian's
#                                           linux-source-6.1; prints .../bzImage
#   tools/linux-kernel.sh --debian          Debian's stock kernel (the linux-image-6.1.0-*-amd64
#                                           that linux-image-amd64 depends on), unpacked, not
#                                           installed; prints .../boot/vmlinuz-<ver>
#   tools/linux-kernel.sh --debian-modules  the same package; prints .../lib/modules/<ver>
#
# Only the path goes to stdout; progress and errors go to stderr.
# Cache (KEEL_CACHE, default ~/.cache/keel):
#   linux/tiny-<linux-source version>-<sha256(keel.config + recipe)[:16]>/
#       bzImage  config  System.map  build.log
#   linux/debian-<package>-<version>/     dpkg-deb -x of the package (boot/, lib/modules/)
# A hit costs a sha256sum and a dpkg-query (for --debian: a stat of the apt lists, which
# tells whether the last apt-cache answer still holds): well under a second.
# Environment: KEEL_CACHE, KEEL_JOBS (make -j, default nproc), KEEL_VERBOSE=1 (stream make's
# output to stderr instead of only to build.log).
# Installs its build dependencies with apt-get when missing (needs root or sudo):
#   linux-source-6.1 make gcc libc6-dev flex bison bc libelf-dev libssl-dev xz-utils
# (libelf-dev: objtool; libssl-dev is kept although, with modules and the trusted keyring off, sign-file
# and extract-cert are not built.)
set -euo pipefail

# Bump when the build recipe below changes in a way that changes the bzImage.
RECIPE=1

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fragment="$keel_root/tests/linux/keel.config"
cache=${KEEL_CACHE:-$HOME/.cache/keel}/linux
jobs=${KEEL_JOBS:-$(nproc)}

# --debian / --debian-modules ------------------------------------------------------------
debian_resolve() {  # prints "PACKAGE VERSION" of the kernel linux-image-amd64 depends on
  local pkg ver
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
  if [ -z "$pkg" ]; then
    log "no linux-image-amd64 in the apt lists; running apt-get update"
    if [ "$(id -u)" -eq 0 ]; then apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
    else sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >&2; fi
    pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
  fi
  [ -n "$pkg" ] || die "cannot tell which package linux-image-amd64 depends on"
  ver=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n1)
  [ -n "$ver" ] || die "no version for $pkg"
  echo "$pkg $ver"
}

debian_kernel() {
  local want=$1 pkg ver dir lists memo
  # apt-cache takes about a second here (no pkgcache.bin), so remember its answer for as
  # long as the apt lists stay the same (apt-get update changes them).
  lists=$(stat -c '%n %Y %s' /var/lib/apt/lists/*_Packages* 2>/dev/null | sha256sum | cut -c1-16)
  memo="$cache/.debian-resolved"
  if [ -f "$memo" ] && read -r m_lists pkg ver < "$memo" && [ "$m_lists" = "$lists" ] &&
     [ -f "$cache/debian-$pkg-$ver/.done" ]; then
    :
  else
    read -r pkg ver < <(debian_resolve)
    [ -n "$ver" ] || exit 1
  fi
  dir="$cache/debian-$pkg-$ver"
  if [ ! -f "$dir/.done" ]; then
    mkdir -p "$cache"
    exec 9>"$cache/.lock-debian-$pkg-$ver"
    flock 9
    if [ ! -f "$dir/.done" ]; then
      tmp=$(mktemp -d "$cache/.tmp-debian.XXXXXX")   # global: the EXIT trap reads it
      trap 'rm -rf "$tmp"' EXIT
      log "downloading $pkg $ver"
      # Sandbox user root: _apt cannot write into our private temporary directory.
      (cd "$tmp" && apt-get -o APT::Sandbox::User=root download "$pkg=$ver" >&2)
      mkdir "$tmp/root"
      dpkg-deb -x "$tmp"/*.deb "$tmp/root"
      rm -rf "$dir"
      mv "$tmp/root" "$dir"
      touch "$dir/.done"
    fi
  fi
  lists=$(stat -c '%n %Y %s' /var/lib/apt/lists/*_Packages* 2>/dev/null | sha256sum | cut -c1-16)
  echo "$lists $pkg $ver" > "$memo.$$" && mv "$memo.$$" "$memo"
  local kver
  kver=${pkg#linux-image-}
  case $want in
    kernel)  [ -f "$dir/boot/vmlinuz-$kver" ] || die "no boot/vmlinuz-$kver in $pkg"
             echo "$dir/boot/vmlinuz-$kver" ;;
    modules) local m
             for m in "$dir/lib/modules/$kver" "$dir/usr/lib/modules/$kver"; do
               [ -d "$m" ] && { echo "$m"; return 0; }
             done
             die "no lib/modules/$kver in $pkg" ;;
  esac
}

case ${1:-} in
  --debian) debian_kernel kernel; exit 0 ;;
  --debian-modules) debian_kernel modules; exit 0 ;;
  "") ;;
  -h|--help) usage 0 ;;
  *) die "unknown argument: $1 (try --help)" ;;
esac

# Small kernel from linux-source-6.1 ---------------------------------------------------
[ -f "$fragment" ] || die "missing $fragment"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
if [ -z "$srcver" ] || [ ! -f /usr/src/linux-source-6.1.tar.xz ]; then
  apt_install linux-source-6.1
  srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
fi
hash=$( { cat "$fragment"; echo "recipe=$RECIPE"; } | sha256sum | cut -c1-16)
key="tiny-$srcver-$hash"
out="$cache/$key"
if [ -f "$out/bzImage" ]; then
  echo "$out/bzImage"
  exit 0
fi

apt_install make gcc libc6-dev flex bison bc libelf-dev libssl-dev xz-utils
mkdir -p "$cache"
exec 9>"$cache/.lock-$key"
flock 9
if [ -f "$out/bzImage" ]; then   # built by a concurrent run while we waited
  echo "$out/bzImage"
  exit 0
fi

work=$(mktemp -d "$cache/.build-$key.XXXXXX")
buildlog="$work/build.log"
failedlog="$cache/failed-$key.log"
# On failure keep the log (the tree itself is 1.5 GB): $cache/failed-<key>.log.
on_exit() {
  local rc=$?
  [ $rc -eq 0 ] || { cp "$buildlog" "$failedlog" 2>/dev/null && log "log kept: $failedlog"; }
  rm -rf "$work"
}
trap on_exit EXIT
start=$(date +%s)
run() {  # run a build step, its output to build.log (and stderr when KEEL_VERBOSE=1)
  if [ "${KEEL_VERBOSE:-0}" = 1 ]; then
    "$@" 2>&1 | tee -a "$buildlog" >&2 || die "failed: $*"
  else
    "$@" >>"$buildlog" 2>&1 || { tail -n 40 "$buildlog" >&2; die "failed: $*"; }
  fi
}

log "building $key (tinyconfig + $(basename "$fragment"), -j$jobs)"
log "unpacking /usr/src/linux-source-6.1.tar.xz"
tar -C "$work" -xJf /usr/src/linux-source-6.1.tar.xz
src="$work/linux-source-6.1"
[ -d "$src" ] || die "tarball did not hold linux-source-6.1/"

export ARCH=x86_64
# Reproducible-ish build stamps (uname -v).
export KBUILD_BUILD_USER=keel KBUILD_BUILD_HOST=keel KBUILD_BUILD_TIMESTAMP="linux-source $srcver"

log "configuring"
run make -C "$src" tinyconfig
# -n: allnoconfig over (tinyconfig's .config + fragment): options newly made visible by
# the fragment default to "n", as in tinyconfig itself, instead of to their defaults.
(cd "$src" && run scripts/kconfig/merge_config.sh -n .config "$fragment")

# Every assignment in the fragment must have survived Kconfig's dependency resolution.
dropped=()
while IFS= read -r line; do
  grep -qxF "$line" "$src/.config" || {
    name=$(grep -o 'CONFIG_[A-Za-z0-9_]*' <<<"$line" | head -n1)
    got=$(grep -E "^$name=|^# $name is not set" "$src/.config" || echo "absent")
    dropped+=("$line (got: $got)")
  }
done < <(grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$fragment")
if [ ${#dropped[@]} -ne 0 ]; then
  log "error: these options from $(basename "$fragment") did not survive configuration:"
  printf '  %s\n' "${dropped[@]}" >&2
  exit 1
fi
log "config ok: $(grep -cE '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$fragment") must-have options present"

log "compiling bzImage"
run make -C "$src" -j"$jobs" bzImage

mkdir "$work/out"
cp "$src/arch/x86/boot/bzImage" "$src/.config" "$src/System.map" "$work/out/"
mv "$work/out/.config" "$work/out/config"
cp "$buildlog" "$work/out/build.log"
rm -rf "$out"
mv "$work/out" "$out"
rm -f "$failedlog"
log "done in $(( $(date +%s) - start ))s: $(stat -c %s "$out/bzImage") bytes"
echo "$out/bzImage"
