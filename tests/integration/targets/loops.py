"""Two threads taking turns with the GIL in loops whose bodies end in an if.

Usage: loops.py; prints "ready" when both run.  3.10 and 3.11 give the jump
that closes such a loop no line of its own, and a thread waiting for the
GIL waits there.  Every line of spin is between LOOP_FIRST and LOOP_LAST.
"""
import itertools
import sys
import threading


def spin(flags):
    count = 0                       # LOOP_FIRST
    for flag in itertools.cycle(flags):
        if flag:
            count += 1              # LOOP_LAST


threads = [threading.Thread(target=spin, args=([1],)) for _ in range(2)]
for thread in threads:
    thread.daemon = True
    thread.start()
sys.stdout.write("ready\n")
sys.stdout.flush()
threads[0].join()
