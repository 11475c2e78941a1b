#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Install what is missing, then configure and build everything (Keel, unit
# tests, guest kernels, the demo ISO) into $KEEL_BUILD (default build/).
# Shows the compiler's output only when the build fails.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh || exit 1
build=${KEEL_BUILD:-$PWD/build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build "$build" -j"$(nproc)" >/dev/null 2>&1 || { cmake --build "$build"; exit 1; }
