"""Half of the time in the garbage collector, by the clock.

Usage: gcloop.py SECONDS   (0 = forever); prints "ready" when it starts.
Each round collects a heap of self-referencing objects with gc.collect(),
then spins in Python for as long as the collection took.
"""
import gc
import sys
import time


class Node(object):
    def __init__(self):
        self.ref = self


def collect():
    gc.collect()                    # COLLECT_CALL


def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:        # SPIN_LINE
        pass


def main(total):
    heap = [Node() for _ in range(200000)]
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    start = time.time()
    while total <= 0 or time.time() - start < total:
        began = time.time()
        collect()
        spin(time.time() - began)
    return heap


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
