"""A busy thread that threading never named (started with the low-level
thread module) beside the main thread; prints "ready" once it runs."""
import sys
import threading

try:
    import _thread as low_level
except ImportError:
    import thread as low_level

started = threading.Semaphore(0)


def spin():
    started.release()
    while True:
        sum(range(1000))            # SPIN_LINE


low_level.start_new_thread(spin, ())
started.acquire()
sys.stdout.write("ready\n")
sys.stdout.flush()
while True:
    sum(range(1000))                # MAIN_LINE
