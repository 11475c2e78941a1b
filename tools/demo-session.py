#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Drive the README's run command as a user at a terminal would.

   tools/demo-session.py [--timeout S] [--log FILE] -- COMMAND [ARG...]

Runs COMMAND (default: tools/run.sh) on a new pseudo-terminal, waits for the
guest's shell prompt, types what the README shows (uname, the PV disk's
note, poweroff) and checks that the VM and then the machine power off and
that COMMAND exits 0. Everything COMMAND prints is copied to stdout (and to
FILE). The last line is "demo-session: PASS" or "demo-session: FAIL: why";
the exit status says the same.
"""
import argparse
import os
import pty
import re
import select
import signal
import sys
import time

PROMPT = b"keel# "
STEPS = [  # (what to type, what must then appear)
    (b"uname -a\r", rb"Linux \S* 6\.1\.\d+"),
    (b"mount /dev/xvda /mnt && cat /mnt/README\r", rb"This file is on /dev/xvda"),
    (b"poweroff\r", rb"keel: vm demo ended: poweroff"),
]


class Session:
    def __init__(self, argv, log):
        self.buf = b""
        self.log = log
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)

    def pump(self, until):
        """Read output until `until` seconds since the epoch; False at EOF."""
        while True:
            left = until - time.time()
            if left <= 0:
                return True
            ready, _, _ = select.select([self.fd], [], [], min(left, 1.0))
            if not ready:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                return False
            if not data:
                return False
            self.buf += data
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            if self.log:
                self.log.write(data)
            return True

    def expect(self, pattern, deadline, start=0):
        """Wait for pattern in the output after offset start; its end offset."""
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.buf, start)
            if m:
                return m.end()
            if time.time() >= deadline or not self.pump(deadline):
                return None

    def type(self, text):
        for ch in text:  # one byte at a time, as a person types: a 16550 has a small FIFO
            os.write(self.fd, bytes([ch]))
            time.sleep(0.02)

    def finish(self, deadline):
        """Wait for the command to exit; its exit status, or None."""
        while time.time() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self.pump(time.time() + 0.2):
                    pass
                return os.waitstatus_to_exitcode(status)
            if not self.pump(time.time() + 0.5):
                time.sleep(0.2)
        return None

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
            time.sleep(2)
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--log")
    ap.add_argument("command", nargs="*", default=["tools/run.sh"])
    args = ap.parse_args()
    log = open(args.log, "wb") if args.log else None
    deadline = time.time() + args.timeout
    s = Session(args.command, log)

    def fail(why):
        s.kill()
        print(f"\ndemo-session: FAIL: {why}")
        return 1

    pos = s.expect(re.escape(PROMPT), deadline)
    if pos is None:
        return fail("no shell prompt")
    for text, reply in STEPS:
        s.type(text)
        pos = s.expect(reply, deadline, pos)
        if pos is None:
            return fail(f"typed {text.strip().decode()!r}, no {reply.decode()!r}")
    if s.expect(rb"keel: no VM left; powering off", deadline, pos) is None:
        return fail("Keel did not power the machine off")
    rc = s.finish(deadline)
    if rc != 0:
        return fail(f"{' '.join(args.command)} exited with {rc}")
    print("\ndemo-session: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
