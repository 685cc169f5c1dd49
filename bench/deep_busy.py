"""Benchmark target: CPU-bound work at the bottom of a DEPTH-deep stack.

Usage: deep_busy.py DEPTH; prints "ready" once at the bottom, then spins.
"""
import sys


def descend(depth):
    if depth <= 1:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        n = 0
        while True:
            n += 1
    descend(depth - 1)


if __name__ == "__main__":
    sys.setrecursionlimit(100000)
    descend(int(sys.argv[1]))
