#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Check a change against the C style in .clang-format: only the lines the
# change touches (uncommitted work, staged or not, plus commits since BASE),
# so existing code is never forced to move. Prints the suggested diff and
# exits 1 if anything would change, else prints "format-check: clean".
# New files count once git knows them (git add, or git add -N).
#
# Usage: tools/format-check.sh [--fix] [BASE]
#   BASE   commit the change starts from (default HEAD: the work in progress;
#          e.g. origin/main for a whole branch)
#   --fix  rewrite the changed lines in the working tree instead
set -uo pipefail
cd "$(dirname "$0")/.."

fix=0 base=HEAD
for arg in "$@"; do
  case $arg in
    --fix) fix=1 ;;
    -h|--help) sed -n '3,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "format-check: unknown option $arg" >&2; exit 2 ;;
    *) base=$arg ;;
  esac
done

command -v git-clang-format >/dev/null && command -v clang-format >/dev/null || {
  echo "format-check: clang-format and git-clang-format are needed (tools/setup.sh installs them)" >&2
  exit 2
}
git rev-parse --verify --quiet "$base^{commit}" >/dev/null || {
  echo "format-check: $base is not a commit" >&2
  exit 2
}

if [ $fix -eq 1 ]; then
  # --force: the files may have unstaged changes; those are kept, as
  # git clang-format formats the working-tree contents.
  out=$(git clang-format --force "$base" -- '*.c' '*.h' 2>&1)
  rc=$?
  [ $rc -le 1 ] || { printf '%s\n' "$out" >&2; exit "$rc"; }
  if grep -q '^changed files:' <<<"$out"; then
    printf '%s\n' "$out"
    echo "format-check: formatted the changed lines; review them with git diff"
  else
    echo "format-check: clean"
  fi
  exit 0
fi

# git clang-format --diff prints a diff (through git diff: no pager, no
# colour here) when something would change. Its exit status does not say so
# in LLVM 14 (0 unless it fails), so the output decides; above 1 is an error.
out=$(GIT_PAGER=cat GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=color.diff GIT_CONFIG_VALUE_0=never \
      git clang-format --diff "$base" -- '*.c' '*.h' 2>&1)
rc=$?
[ $rc -le 1 ] || { printf '%s\n' "$out" >&2; exit "$rc"; }
if grep -q '^diff --git ' <<<"$out"; then
  printf '%s\n' "$out"
  hint="tools/format-check.sh --fix"
  [ "$base" = HEAD ] || hint+=" $base"
  echo "format-check: the lines above would change; $hint applies them" >&2
  exit 1
fi
echo "format-check: clean"
