"""A CPU-bound workload whose functions share the time 3:2:1, by the clock.

Usage: workload.py SECONDS   (0 = forever); prints "ready" when it starts.
The split is by wall-clock time, so it holds however loaded the machine is.
"""
import sys
import time


def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:        # SPIN_LINE
        pass


def heavy():
    spin(0.03)                      # HEAVY_CALL


def medium():
    spin(0.02)                      # MEDIUM_CALL


class Light(object):
    def run(self):
        spin(0.01)                  # LIGHT_CALL


def main(total):
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    start = time.time()
    light = Light()
    while total <= 0 or time.time() - start < total:
        heavy()
        medium()
        light.run()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
