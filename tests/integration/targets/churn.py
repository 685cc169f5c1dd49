"""A stack that changes every microsecond: recursive fib, called in a loop.

Usage: churn.py SECONDS (0 = forever); prints "ready" when it starts.
In every true stack, each fib frame but the newest is at FIB_RECURSE and
main is at MAIN_CALL while fib runs.
"""
import sys
import time


def fib(n):
    if n < 2:                       # FIB_TEST
        return n                    # FIB_BASE
    return fib(n - 1) + fib(n - 2)  # FIB_RECURSE


def main(seconds):
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    end = time.time() + seconds
    while seconds <= 0 or time.time() < end:
        fib(16)                     # MAIN_CALL


if __name__ == "__main__":
    main(float(sys.argv[1]))
