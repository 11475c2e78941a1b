# SPDX-License-Identifier: BSD-2-Clause
"""Keel in Bochs with COM1 on a pseudo-terminal, for scripts that type at
Keel's monitor (tests/sched/monitor-session.py, tools/bench-create.py).

   con = BochsConsole(iso, dir, timeout)   # boots; everything read goes to dir/serial.txt
   con.expect(rb"regex", seconds)          # the match, or None
   con.type(b"list\\r", delay=0)            # bytes to COM1
   con.command(b"free", rb"regex")         # type a line, wait for the regex after it
   con.finish()                            # Bochs's exit status (waits up to 120 s)
"""
import os
import pty
import re
import select
import subprocess
import time
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BochsConsole:
    def __init__(self, iso, dir, timeout, cpus=1, ips="200000000"):
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        env = dict(os.environ, KEEL_BOCHS_COM1_TTY=os.ttyname(slave), KEEL_BOCHS_IPS=ips)
        self.out = open(os.path.join(dir, "bochs.txt"), "wb")
        self.bochs = subprocess.Popen([os.path.join(ROOT, "tools/run-bochs.sh"), iso, os.path.join(dir, "serial.log"),
                                       str(timeout), str(cpus)], env=env, stdout=self.out, stderr=subprocess.STDOUT)
        self.log = open(os.path.join(dir, "serial.txt"), "wb")
        self.buf = b""
        self.deadline = time.time() + timeout

    def _read(self, wait):
        r, _, _ = select.select([self.master], [], [], wait)
        if not r:
            return False
        try:
            data = os.read(self.master, 65536).replace(b"\r", b"")
        except OSError:
            return False
        self.buf += data
        self.log.write(data)
        self.log.flush()
        return True

    def expect(self, pattern, seconds, start=None):
        """Wait until pattern matches output read since `start` (default: all)."""
        start = 0 if start is None else start
        end = min(time.time() + seconds, self.deadline)
        while True:
            m = re.search(pattern, self.buf[start:])
            if m or time.time() >= end:
                return m
            if not self._read(0.2) and self.bochs.poll() is not None:
                return re.search(pattern, self.buf[start:])

    def type(self, data, delay=0.0):
        for i in range(0, len(data)) if delay else [None]:
            chunk = data if i is None else data[i:i + 1]
            os.write(self.master, chunk)
            if delay:
                time.sleep(delay)
            self._read(0)

    def command(self, line, pattern, seconds=120):
        start = len(self.buf)
        # Keel reads COM1 every 20 ms and Bochs's UART holds 16 bytes: a
        # burst beyond that is lost, so keep below 16 bytes per 20 ms.
        self.type(line + b"\r", delay=0.004)
        return self.expect(pattern, seconds, start)

    def kill(self):
        # SIGTERM: run-bochs.sh then kills its Bochs (by process group); a
        # SIGKILL would leave Bochs running to its timeout.
        self.bochs.terminate()
        try:
            self.bochs.wait(30)
        except subprocess.TimeoutExpired:
            self.bochs.kill()

    def finish(self, seconds=120):
        try:
            return self.bochs.wait(seconds)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
