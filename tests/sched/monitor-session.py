#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Drive Keel's monitor through COM1 as a user at the console would.

   tests/sched/monitor-session.py --iso ISO --dir DIR [--timeout S]

Boots ISO in Bochs (tools/run-bochs.sh) with COM1 on a pseudo-terminal,
waits for its VMs (ticker, button), then types: Ctrl-A three times twice
(the console goes from the first VM to the next, then to the monitor), a bad command, list, create of a
config given to GRUB with start=no, destroy of an unknown name, pause and
unpause, info, shutdown (a Multiboot guest that powers off when it hears
the ACPI power button), destroy of the last VM; and checks what each prints
and that Keel then powers the machine off by itself. Everything read is
kept in DIR/serial.txt; the last line is "monitor-session: PASS" or
"monitor-session: FAIL: why", and so is the exit status.
"""
import argparse
import os
import pty
import re
import select
import subprocess
import sys
import time
import tty

CTRL_A = b"\x01"
STEPS = [  # (what to type, what must then appear, seconds)
    (CTRL_A * 3, rb"console input goes to vm button", 120),      # from the first VM, on in turn
    (CTRL_A * 3, rb"console input goes to the monitor", 120),
    (b"frobnicate\r", rb"keel: monitor: unknown command \"frobnicate\"; try help", 60),
    (b"list\r", rb"\n +\d+ ticker +(running|blocked) +16 +1 ", 60),
    (b"create /boot/cpuid.cfg\r", rb"keel: vm cpuid ended: debug-exit status 33", 300),
    (b"destroy nosuch\r", rb"keel: monitor: destroy: no VM named \"nosuch\"", 60),
    (b"pause ticker\r", None, 0),
    (b"list\r", rb"\n +\d+ ticker +paused ", 60),
    (b"unpause ticker\r", None, 0),
    (b"info button\r", rb"vm button: vcpu 0: ", 60),
    (b"shutdown button\r", rb"keel: vm button ended: poweroff", 300),
    (b"destroy ticker\r", rb"keel: vm ticker ended: destroyed \(monitor\)", 120),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--timeout", type=int, default=900)
    a = ap.parse_args()
    master, slave = pty.openpty()
    tty.setraw(slave)
    env = dict(os.environ, KEEL_BOCHS_COM1_TTY=os.ttyname(slave), KEEL_BOCHS_IPS="200000000")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = open(os.path.join(a.dir, "bochs.txt"), "wb")
    bochs = subprocess.Popen([os.path.join(root, "tools/run-bochs.sh"), a.iso, os.path.join(a.dir, "serial.log"),
                              str(a.timeout), "1"], env=env, stdout=out, stderr=subprocess.STDOUT)
    log = open(os.path.join(a.dir, "serial.txt"), "wb")
    buf = b""
    deadline = time.time() + a.timeout

    def pump(pattern, seconds, start):
        nonlocal buf
        end = min(time.time() + seconds, deadline)
        while time.time() < end:
            if pattern is not None and re.search(pattern, buf[start:]):
                return True
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                data = os.read(master, 4096)
                buf += data.replace(b"\r", b"")
                log.write(data.replace(b"\r", b""))
                log.flush()
            if bochs.poll() is not None and not r:
                break
        return pattern is not None and re.search(pattern, buf[start:]) is not None

    def fail(why):
        bochs.kill()
        print("monitor-session: FAIL: " + why)
        sys.exit(1)

    if not pump(rb"keel: vm ticker started.*\n(.|\n)*keel: vm button started", 600, 0):
        fail("the VMs did not start")
    pump(rb"ticker: note: ", 120, 0)    # the ticker is past its start-up output
    for typed, expect, seconds in STEPS:
        start = len(buf)
        for byte in typed:
            os.write(master, bytes([byte]))
            time.sleep(0.05)
        if expect is None:
            pump(None, 1, start)
        elif not pump(expect, seconds, start):
            fail("typed %r, never saw /%s/" % (typed, expect.decode()))
    start = len(buf)
    if not pump(rb"keel: no VM left; powering off", 120, start):
        fail("Keel did not power off after the last VM")
    try:
        rc = bochs.wait(120)
    except subprocess.TimeoutExpired:
        fail("Bochs did not end after the power-off")
    if rc != 0:
        fail("run-bochs.sh exited %d" % rc)
    print("monitor-session: PASS")


if __name__ == "__main__":
    main()
