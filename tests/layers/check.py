#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The layer rule, checked: a file includes and calls only its own folder and
lower floors; folders on one floor do not reach each other.

   tests/layers/check.py [--graph] BUILD_DIR

Floors come from tests/layers/floors.txt (data, lowest first); a folder
there may be a subfolder (pvio/xen), and a file belongs to the longest one
that holds it. Includes are
read from the sources (`#include "dir/file.h"`); calls and data references
from the hypervisor's object files in BUILD_DIR (`nm`: each undefined symbol
of a file, resolved to the file that defines it), so a call through a
declaration copied by hand is caught too. There are no exceptions: an edge
that breaks the rule fails the check (the migration list of issue 9 went
from 119 edges to none and was removed). A lower floor that needs something
from above declares a hook instead. --graph also prints the folder-to-folder
counts of every edge.

Prints one line per finding and "layers: ok: ..." or "layers: N problems".
"""
import collections
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OBJ_SUBDIR = "CMakeFiles/keel.elf.dir"


def read_floors():
    floor_of = {}
    with open(os.path.join(HERE, "floors.txt")) as f:
        level = 0
        for line in f:
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            level += 1
            for folder in line:
                floor_of[folder] = level
    return floor_of


def folder(path, floor_of):
    """The longest folder in floors.txt that holds path ("pvio/xen" for
    "pvio/xen/xen.c"), else its top folder (which then is in none)."""
    parts = path.split("/")
    for n in range(len(parts) - 1, 1, -1):
        if "/".join(parts[:n]) in floor_of:
            return "/".join(parts[:n])
    return parts[0]


def sources(floor_of):
    for top in sorted({f.split("/", 1)[0] for f in floor_of}):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, name), ROOT)


def include_edges(floor_of):
    """(kind, from_file, to_file) for every quoted include across folders."""
    for src in sources(floor_of):
        with open(os.path.join(ROOT, src), errors="replace") as f:
            text = f.read()
        for m in re.finditer(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
            target = m.group(1)
            if "/" not in target:
                target = os.path.join(os.path.dirname(src), target)
            yield "include", src, os.path.normpath(target)


def call_edges(build):
    """(kind, from_file, to_file) for every symbol a file uses from another."""
    objdir = os.path.join(build, OBJ_SUBDIR)
    defined, used = {}, collections.defaultdict(set)
    objects = []
    for dirpath, _, files in os.walk(objdir):
        objects += [os.path.join(dirpath, f) for f in files if f.endswith(".o")]
    if not objects:
        sys.exit(f"layers: no object files under {objdir}: build first")
    for obj in sorted(objects):
        src = os.path.relpath(obj, objdir)[:-2]  # "vmx/exit.c.o" -> "vmx/exit.c"
        if not os.path.exists(os.path.join(ROOT, src)):
            continue  # left over from a file that moved or went
        out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TDBRVW":
                defined[parts[2]] = src
            elif len(parts) == 2 and parts[0] == "U":
                used[src].add(parts[1])
    for src, symbols in used.items():
        for sym in sorted(symbols):
            if sym in defined:
                yield "call", src, f"{defined[sym]}:{sym}"


def main():
    args = sys.argv[1:]
    graph = "--graph" in args
    args = [a for a in args if a != "--graph"]
    if len(args) != 1:
        sys.exit(__doc__)
    floor_of = read_floors()
    edges = list(include_edges(floor_of)) + list(call_edges(args[0]))

    problems, counts = [], collections.Counter()
    for kind, src, dst in edges:
        a, b = folder(src, floor_of), folder(dst, floor_of)
        if a == b:
            continue
        if a not in floor_of or b not in floor_of:
            problems.append(f"layers: {src}: {kind} {dst}: folder not in floors.txt")
            continue
        counts[(kind, a, b)] += 1
        if floor_of[b] < floor_of[a]:
            continue
        how = "a higher floor" if floor_of[b] > floor_of[a] else "a folder on the same floor"
        problems.append(f"layers: {src} reaches {how}: {kind} {dst}")

    if graph:
        for (kind, a, b), n in sorted(counts.items()):
            mark = "" if floor_of[b] < floor_of[a] else "   <- breaks the rule"
            print(f"{kind:7} {a:8} -> {b:8} {n:4}{mark}")
    for p in problems:
        print(p)
    if problems:
        print(f"layers: {len(problems)} problems")
        return 1
    print(f"layers: ok: {len(edges)} edges, none against the rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
