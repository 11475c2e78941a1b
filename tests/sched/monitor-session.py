#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Drive Keel's monitor through COM1 as a user at the console would.

   tests/sched/monitor-session.py --iso ISO --dir DIR [--timeout S]

Boots ISO in Bochs (tools/monitor_console.py: COM1 on a pseudo-terminal),
waits for its VMs (ticker, button, and xenvm: Linux in Xen-compatible mode
at its shell), then types: Ctrl-A three times, three times (the console
goes from the first VM to each next one, then to the monitor), a bad
command, list, create of a config given with start=no, destroy of an
unknown name, pause and unpause, info, reboot and then shutdown of a
Multiboot guest that powers off when it hears the ACPI power button, shutdown of the Linux VM
(control/shutdown in its xenstore), destroy of the last VM;
and checks what each prints and that Keel then powers the machine off by
itself. Everything read is kept in DIR/serial.txt; the last line is
"monitor-session: PASS" or "monitor-session: FAIL: why", and so is the exit
status.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "tools"))
from monitor_console import BochsConsole  # noqa: E402

CTRL_A = b"\x01"
STEPS = [  # (what to type, what must then appear, seconds)
    (CTRL_A * 3, rb"console input goes to vm button", 120),      # from the first VM, on in turn
    (CTRL_A * 3, rb"console input goes to vm xenvm", 120),
    (CTRL_A * 3, rb"console input goes to the monitor", 120),
    (b"frobnicate\r", rb"keel: monitor: unknown command \"frobnicate\"; try help", 60),
    (b"list\r", rb"\n +\d+ ticker +(running|blocked) +16 +1 ", 60),
    (b"create /boot/cpuid.cfg\r", rb"keel: vm cpuid ended: debug-exit status 33", 300),
    (b"destroy nosuch\r", rb"keel: monitor: destroy: no VM named \"nosuch\"", 60),
    (b"pause ticker\r", rb"\(keel\) ", 60),
    (b"list\r", rb"\n +\d+ ticker +paused ", 60),
    (b"unpause ticker\r", rb"\(keel\) ", 60),
    (b"info button\r", rb"vm button: vcpu 0: ", 60),
    # reboot of a native guest: the power button, and its power-off restarts it
    (b"reboot button\r", rb"keel: vm button restarting \(restart\)(.|\n)*\[button\] button: waiting", 300),
    (b"shutdown button\r", rb"keel: vm button ended: poweroff", 300),
    (b"shutdown xenvm\r", rb"keel: vm xenvm ended: poweroff", 300),
    (b"destroy ticker\r", rb"keel: vm ticker ended: destroyed \(monitor\)", 120),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--timeout", type=int, default=900)
    a = ap.parse_args()
    con = BochsConsole(a.iso, a.dir, a.timeout)

    def fail(why):
        con.kill()
        print("monitor-session: FAIL: " + why)
        sys.exit(1)

    if not con.expect(rb"keel: vm ticker started(.|\n)*keel: vm button started", 600):
        fail("the VMs did not start")
    if not con.expect(rb"\[xenvm\] keel-guest: no keel.test= given", 900):
        fail("the Linux VM did not reach its shell")
    con.expect(rb"\[xenvm\] keel# ", 60)
    for typed, expect, seconds in STEPS:
        start = len(con.buf)
        con.type(typed, delay=0.05)
        if not con.expect(expect, seconds, start):
            fail("typed %r, never saw /%s/" % (typed, expect.decode()))
    if not con.expect(rb"keel: no VM left; powering off", 120):
        fail("Keel did not power off after the last VM")
    rc = con.finish()
    if rc != 0:
        fail("run-bochs.sh exited %s" % rc)
    print("monitor-session: PASS")


if __name__ == "__main__":
    main()
