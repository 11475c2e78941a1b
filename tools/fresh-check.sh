#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The pristine-root check: the README's two commands on a Debian 12 that has
# nothing but its minimal base. Builds a minbase root with debootstrap from
# this machine's own Debian sources, puts a fresh clone of this repository's
# HEAD in it, runs .ci/run there (chroot with /proc, /sys and /dev mounted),
# then drives the README's run command on a terminal (tools/demo-session.py:
# waits for the guest's prompt, types, powers off). A missing package or an
# assumption about the host shows up here, not on a user's machine.
#
#   tools/fresh-check.sh [--keep] [DIR]     (default DIR: /var/tmp/keel-fresh)
#
# Needs root. Takes about 20 minutes on 2 cores: the root, the packages
# .ci/run installs, the guest kernel (nothing is cached in a fresh root), the
# tests. The last line is "fresh-check: PASS ..." or "fresh-check: FAIL: ..."
# with the time of each step; logs stay in DIR/logs. --keep keeps the root.
set -uo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = --keep ] && { keep=1; shift; }
dir=${1:-/var/tmp/keel-fresh}
root=$dir/root logs=$dir/logs
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root (chroot, mounts)" >&2; exit 2; }
tools/setup.sh debootstrap python3 git || exit 1

# The Debian archive this machine's apt uses (deb822 or one-line sources).
mirror=$(sed -n 's/^URIs: *\(\S*\/debian\/\?\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\?\(\S*\/debian\/\?\) .*/\2/p' \
                             /etc/apt/sources.list 2>/dev/null | head -n1)
mirror=${mirror:-http://deb.debian.org/debian}

mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -R -l "${mounts[$i]}" 2>/dev/null; done
  # Never delete through a mount that is still there (/dev is the host's).
  if [ $keep -eq 0 ] && ! grep -qF " $root/" /proc/mounts; then
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT
fail() { echo "fresh-check: FAIL: $* (logs in $logs)"; exit 1; }
step_start=$SECONDS
times=()
step_done() { times+=("$1 $((SECONDS - step_start)) s"); step_start=$SECONDS; }

grep -qF " $root/" /proc/mounts && { echo "fresh-check: $root still has mounts" >&2; exit 1; }
rm -rf --one-file-system "$root" "$logs"
mkdir -p "$root" "$logs"
echo "fresh-check: debootstrap --variant=minbase bookworm from $mirror" >&2
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$logs/debootstrap.log" 2>&1 ||
  fail "debootstrap (see debootstrap.log)"
# The machine's own Debian sources (the base and its security updates), its
# name server, nothing else of the host.
rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*; do
  [ -f "$f" ] && grep -q 'debian' "$f" && ! grep -qE 'cloud\.google|nodesource' "$f" &&
    cp "$f" "$root/etc/apt/${f#/etc/apt/}"
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc" && mounts+=("$root/proc") || fail "mount /proc"
mount -t sysfs sys "$root/sys" && mounts+=("$root/sys") || fail "mount /sys"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounts+=("$root/dev") ||
  fail "mount /dev"
# The clone a new user makes (with ../shared beside it, as CI has it).
git clone -q . "$root/root/keel" || fail "git clone"
[ -d ../shared ] && cp -r ../shared "$root/root/shared"
step_done "root"

in_root() {  # COMMAND: run in the fresh root, in the clone, with a clean environment
  chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-xterm}" LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /root/keel && $1"
}
echo "fresh-check: .ci/run in the fresh root (log: $logs/ci.log)" >&2
in_root "CI=true bash .ci/run" > "$logs/ci.log" 2>&1
ci_rc=$?
step_done ".ci/run"
summary=$(tail -n1 "$logs/ci.log")
[ $ci_rc -eq 0 ] || fail ".ci/run exited $ci_rc: $summary; $(grep '^FAIL' "$logs/ci.log" | head -n5 | tr '\n' ' ')"

echo "fresh-check: tools/run.sh on a terminal in the fresh root (log: $logs/run.log)" >&2
python3 tools/demo-session.py --timeout 1800 --log "$logs/run.log" -- \
  chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-xterm}" LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  /bin/bash -c "cd /root/keel && tools/run.sh" > "$logs/run-session.txt" 2>&1
run_rc=$?
step_done "tools/run.sh"
[ $run_rc -eq 0 ] || fail "tools/run.sh: $(tail -n1 "$logs/run-session.txt")"
echo "fresh-check: PASS: .ci/run ($summary) and tools/run.sh; ${times[*]/%/,}" | sed 's/,$//'
