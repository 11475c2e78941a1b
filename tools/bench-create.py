#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""VM creation at scale (issue: LightVM's "flat as thousands of VMs run").

   tools/bench-create.py [--counts 1,8,32,64,100] [--churn N] [--build DIR]

Boots Keel in Bochs (1 CPU, stay=1, no VM at boot) and types at its monitor:
`create /boot/idle.cfg name=idleK` until each count of running VMs is
reached (the idle guest: a few pages in 4 MiB, halted for good), then
`destroy` for each, newest first. Keel reports each create's and each
teardown's cost in TSC cycles, which Bochs counts in instructions, and the
memory left after it. Prints a table: at N running VMs, the cycles of the
create that made it N, the cycles of the teardown that left N-1, and the
Keel memory per VM beyond its 4 MiB of RAM.

--churn N: instead, create and destroy one VM N times and check that the
free-memory figure ends where it started (exit status 1 if not).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from monitor_console import ROOT, BochsConsole  # noqa: E402

CREATED = rb"keel: monitor: create took (\d+) cycles, (\d+) KiB free"
TORN = rb"keel: vm %s: teardown took (\d+) cycles, (\d+) KiB free"
FREE = rb"keel: monitor: (\d+) KiB free"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", default="1,8,32,64,100")
    ap.add_argument("--churn", type=int, default=0)
    ap.add_argument("--build", default=os.environ.get("KEEL_BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--dir", default=None)
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="keel-bench-create.")
    os.makedirs(work, exist_ok=True)
    subprocess.run([os.path.join(ROOT, "tools/build.sh")], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, KEEL_BUILD=a.build))
    iso = os.path.join(work, "create.iso")
    guests = os.path.join(a.build, "guests")
    subprocess.run([os.path.join(ROOT, "tools/mkiso.sh"), "-o", iso, "-k", os.path.join(a.build, "keel.elf"),
                    "-d", guests, "-c", "console=com1 stay=1", "-l", os.path.join(guests, "idle.cfg")],
                   check=True, stdout=subprocess.DEVNULL)
    con = BochsConsole(iso, work, 3600)

    def fail(why):
        con.kill()
        print("bench-create: FAIL: " + why)
        sys.exit(1)

    if not con.expect(rb"console input goes to the monitor", 600):
        fail("no monitor (see %s/serial.txt)" % work)
    m = con.command(b"free", FREE)
    if not m:
        fail("free printed nothing")
    free0 = int(m.group(1))

    def create(k):
        m = con.command(b"create /boot/idle.cfg name=idle%d" % k, CREATED)
        if not m or not con.expect(rb"\[idle%d\] idle: up" % k, 60):
            fail("create idle%d" % k)
        return int(m.group(1)), int(m.group(2))

    def destroy(k):
        m = con.command(b"destroy idle%d" % k, TORN % (b"idle%d" % k))
        if not m:
            fail("destroy idle%d" % k)
        return int(m.group(1)), int(m.group(2))

    if a.churn:
        for k in range(1, a.churn + 1):
            create(k)
            destroy(k)
        m = con.command(b"free", FREE)
        free1 = int(m.group(1)) if m else -1
        con.type(b"\x01\x01\x01")
        ok = free1 == free0
        print("bench-create: churn: %d creates and destroys: %d KiB free before, %d after: %s"
              % (a.churn, free0, free1, "PASS" if ok else "FAIL"))
        con.kill()
        sys.exit(0 if ok else 1)

    counts = [int(c) for c in a.counts.split(",")]
    create_cost, free_after = {}, {}
    for k in range(1, max(counts) + 1):
        create_cost[k], free_after[k] = create(k)
    teardown = {}
    for k in range(max(counts), 0, -1):
        teardown[k], _ = destroy(k)
    m = con.command(b"free", FREE)
    free_end = int(m.group(1)) if m else -1
    con.kill()
    print("  VMs running | create (cycles) | teardown (cycles) | Keel KiB per VM beyond its 4 MiB RAM")
    for n in counts:
        per_vm = (free0 - free_after[n]) / n - 4096
        print("  %11d | %15d | %17d | %d" % (n, create_cost[n], teardown[n], per_vm))
    print("bench-create: %d KiB free before, %d after destroying all" % (free0, free_end))


if __name__ == "__main__":
    main()
