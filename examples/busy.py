"""A small CPU-bound program for `make demo`: three functions that share the
time 3:2:1, a class, a generator and a recursion, so the stacks have shape."""
import sys
import time


def spin(seconds):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        n += 1
    return n


class Parser:
    def parse(self, seconds):
        return spin(seconds)


def tokens(count, seconds):
    for _ in range(count):
        yield spin(seconds)


def recurse(depth, seconds):
    if depth == 0:
        return spin(seconds)
    return recurse(depth - 1, seconds)


def main(total=3.0):
    start = time.time()
    while time.time() - start < total:
        Parser().parse(0.03)          # 3 parts
        sum(tokens(2, 0.01))          # 2 parts
        recurse(20, 0.01)             # 1 part


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
