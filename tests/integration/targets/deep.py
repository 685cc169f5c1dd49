"""A thread parked at the bottom of a deep recursion.

Usage: deep.py DEPTH; prints "ready" once the recursion is DEPTH deep.
"""
import sys
import threading
import time

reached = threading.Event()


def recurse(depth):
    if depth == 0:
        reached.set()
        while True:
            time.sleep(1000)        # BOTTOM_LINE
    recurse(depth - 1)              # RECURSE_LINE


def main():
    depth = int(sys.argv[1])
    sys.setrecursionlimit(depth + 1000)
    # Before 3.11 every Python call also nests in C: give the thread room.
    threading.stack_size(512 * 1024 * 1024)
    thread = threading.Thread(target=recurse, args=(depth,))
    thread.daemon = True
    thread.start()
    reached.wait()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        time.sleep(1000)


if __name__ == "__main__":
    main()
