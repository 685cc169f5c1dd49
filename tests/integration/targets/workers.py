"""A parent and two busy worker processes (multiprocessing); prints "ready"
once both workers run.  Usage: workers.py [SECONDS]  (0 or none: forever).
A worker stops when its parent is gone (a test kills only the parent)."""
import multiprocessing
import os
import sys
import time


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def work(started, seconds, parent):
    started.release()
    end = time.time() + seconds if seconds > 0 else None
    while (end is None or time.time() < end) and alive(parent):
        sum(range(1000))            # WORK_LINE


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 0
    started = multiprocessing.Semaphore(0)
    workers = [multiprocessing.Process(target=work, args=(started, seconds, os.getpid()))
               for _ in range(2)]
    for worker in workers:
        worker.daemon = True
        worker.start()
    for _ in workers:
        started.acquire()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for worker in workers:
        worker.join()               # JOIN_LINE


if __name__ == "__main__":
    main()
