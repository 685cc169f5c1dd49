"""Busy inside __init__, called often enough to be specialized (3.13+ run
such calls through a shim frame of their own).  Prints "ready"."""
import sys


class Counter(object):
    def __init__(self, n):
        total = 0
        for i in range(n):
            total += i              # INIT_LINE
        self.total = total


def make():
    return Counter(2000)            # MAKE_CALL


sys.stdout.write("ready\n")
sys.stdout.flush()
while True:
    make()
