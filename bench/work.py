"""Benchmark target: a fixed amount of CPU-bound Python, timed by itself.

Usage: work.py ROUNDS; prints "ready", waits for a line on stdin, runs the
work (calls a few frames deep, arithmetic, dicts and lists), then prints
"took WALL_SECONDS CPU_SECONDS" and exits.
"""
import sys
import time


def leaf(n, table):
    total = 0
    for i in range(n):
        total += (i * i) % 7
        table[i % 64] = total
    return total


def middle(n, table):
    return leaf(n, table) + sum(table.values()) % 3


def outer(rounds):
    table = {}
    acc = 0
    for r in range(rounds):
        acc += middle(200 + r % 50, table)
    return acc


if __name__ == "__main__":
    rounds = int(sys.argv[1])
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    wall, cpu = time.perf_counter(), time.process_time()
    outer(rounds)
    sys.stdout.write("took %.6f %.6f\n" % (time.perf_counter() - wall, time.process_time() - cpu))
    sys.stdout.flush()
