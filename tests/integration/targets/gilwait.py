"""Threads waiting for the GIL beside a thread waiting for I/O.

Usage: gilwait.py SECONDS   (0 = forever); prints "ready" when it starts.
Two threads spin in Python (SPIN_LINE), so each waits for the GIL about
half of the time; a third blocks reading a pipe nobody writes (READ_LINE),
waiting for I/O with the GIL released.
"""
import os
import sys
import threading
import time


def spin(total):
    start = time.time()
    while total <= 0 or time.time() - start < total:
        pass                        # SPIN_LINE


def read_nothing(fd):
    os.read(fd, 1)                  # READ_LINE


def main(total):
    read_end, write_end = os.pipe()
    reader = threading.Thread(target=read_nothing, args=(read_end,), name="reader")
    reader.daemon = True
    reader.start()
    spinners = [threading.Thread(target=spin, args=(total,), name="spinner%d" % i)
                for i in range(2)]
    for t in spinners:
        t.daemon = True
        t.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for t in spinners:
        t.join()
    return write_end


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
