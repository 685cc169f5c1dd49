"""Short calls whose time shares are about 3:2:1: 30, 20 and 10 us spins.

Usage: fastcalls.py SECONDS [MICROSECONDS]; the spins last 3, 2 and 1 times
MICROSECONDS (default 10).  Prints "ready" when it starts and, at the end,
"shares T W N": how the three functions shared the time spent in them, as
the program measured it itself (preemption by the machine moves the shares
a little from 3:2:1, so the test compares with this, not with 3:2:1).
A sampler that dropped samples taken while the newest frame changes would
undercount the shortest call against that measure.
"""
import sys
import time

clock = getattr(time, "perf_counter", time.time)
spent = [0.0, 0.0, 0.0]
unit = 10e-6


def spin(seconds):
    end = clock() + seconds
    while clock() < end:            # SPIN_LINE
        pass


# Each function times itself from the inside, so that the time the loop in
# main() spends around the calls (which a profiler rightly gives to main)
# is not counted as theirs.
def thirty():
    start = clock()
    spin(3 * unit)
    spent[0] += clock() - start


def twenty():
    start = clock()
    spin(2 * unit)
    spent[1] += clock() - start


def ten():
    start = clock()
    spin(unit)
    spent[2] += clock() - start


def main(total):
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    start = time.time()
    while time.time() - start < total:
        thirty()
        twenty()
        ten()
    whole = sum(spent)
    sys.stdout.write("shares %.4f %.4f %.4f\n" % tuple(s / whole for s in spent))


if __name__ == "__main__":
    if len(sys.argv) > 2:
        unit = float(sys.argv[2]) * 1e-6
    main(float(sys.argv[1]))
