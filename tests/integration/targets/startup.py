"""Busy from its first line: a profiler that launches it must see early()."""
import time


def early():
    end = time.time() + 0.5
    while time.time() < end:
        pass


def later():
    end = time.time() + 0.3
    while time.time() < end:
        pass


early()
later()
