"""Benchmark target: COUNT threads asleep and one busy; prints "ready".

Usage: many_threads.py COUNT
"""
import sys
import threading
import time


def asleep(started):
    started.release()
    while True:
        time.sleep(1000)


def main(count):
    started = threading.Semaphore(0)
    for _ in range(count):
        thread = threading.Thread(target=asleep, args=(started,))
        thread.daemon = True
        thread.start()
    for _ in range(count):
        started.acquire()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    n = 0
    while True:
        n += 1


if __name__ == "__main__":
    main(int(sys.argv[1]))
