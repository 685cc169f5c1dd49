"""Exception paths beside plain work, by the clock.

Usage: raiser.py SECONDS   (0 = forever); prints "ready" when it starts.
A quarter of the time is spent in an except block (HANDLER_LINE), a
quarter inside a generator's except block resumed by its caller, and half
in a function that never sees an exception (PLAIN_LINE).
"""
import sys
import time


def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:        # SPIN_LINE
        pass


def fails():
    raise ValueError("expected")    # RAISE_LINE


def handled():
    try:
        fails()
    except ValueError:
        spin(0.01)                  # HANDLER_LINE


def generator_handler():
    while True:
        try:
            fails()
        except ValueError:
            yield spin(0.01)        # GENERATOR_HANDLER_LINE


def plain():
    spin(0.02)                      # PLAIN_LINE


def main(total):
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    start = time.time()
    gen = generator_handler()
    while total <= 0 or time.time() - start < total:
        handled()
        next(gen)
        plain()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
