"""Short calls whose time shares are about 3:2:1: 30, 20 and 10 us spins.

Usage: fastcalls.py SECONDS; prints "ready" when it starts and, at the end,
"shares T W N": the fraction of wall time each function really took, as the
program measured it itself (preemption by the machine moves them a little).
A sampler that dropped samples taken while the newest frame changes would
undercount the shortest call against that measure.
"""
import sys
import time

clock = getattr(time, "perf_counter", time.time)
spent = [0.0, 0.0, 0.0]


def spin(seconds):
    end = clock() + seconds
    while clock() < end:            # SPIN_LINE
        pass


def thirty():
    spin(30e-6)


def twenty():
    spin(20e-6)


def ten():
    spin(10e-6)


def main(total):
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    start = time.time()
    while time.time() - start < total:
        t0 = clock()
        thirty()
        t1 = clock()
        twenty()
        t2 = clock()
        ten()
        t3 = clock()
        spent[0] += t1 - t0
        spent[1] += t2 - t1
        spent[2] += t3 - t2
    whole = sum(spent)
    sys.stdout.write("shares %.4f %.4f %.4f\n" % tuple(s / whole for s in spent))


if __name__ == "__main__":
    main(float(sys.argv[1]))
