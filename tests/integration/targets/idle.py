"""Two named threads busy, two asleep; prints "ready" once all four run."""
import sys
import threading
import time

started = threading.Semaphore(0)


def busy():
    started.release()
    while True:
        sum(range(1000))            # BUSY_LINE


def asleep():
    started.release()
    while True:
        time.sleep(1000)            # ASLEEP_LINE


def main():
    for name, target in (("busy-1", busy), ("busy-2", busy),
                         ("asleep-1", asleep), ("asleep-2", asleep)):
        thread = threading.Thread(target=target, name=name)
        thread.daemon = True
        thread.start()
    for _ in range(4):
        started.acquire()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        time.sleep(1000)            # MAIN_SLEEP


if __name__ == "__main__":
    main()
