"""Known native stacks, one mode per run (argv[1]); prints "ready" once
the stack to look at is running.

  zlib      zlib.compress and hashlib.sha256 in turn: the leaves are in
            libz and the hash library, under their lines
  calls     Python -> C -> Python -> C, twice: sorted() with a Python key
            that calls zlib.crc32, and libc's qsort through ctypes with a
            Python comparison that calls zlib.crc32
  sleep     the main thread asleep in time.sleep, called from a key
            function of sorted() (a stack that stays put)
  cthread   a thread made by pthread_create through ctypes that runs no
            Python: it waits in pause(); the main thread sleeps
  gc        gc.collect() over and over on a heap of cycles
  signals   busy in Python; prints "signal" each time SIGUSR1 arrives
"""
import gc
import hashlib
import sys
import time
import zlib

DATA = bytes(bytearray(range(256))) * 256


def say_ready():
    sys.stdout.write("ready\n")
    sys.stdout.flush()


def compress():
    return zlib.compress(DATA, 9)                       # ZLIB_LINE


def digest():
    return hashlib.sha256(DATA * 16).digest()           # HASH_LINE


def run_zlib():
    say_ready()
    while True:
        compress()
        digest()


def key(value):
    return zlib.crc32(DATA[:value % 4096 + 1024])       # KEY_LINE


def sort_with_key():
    return sorted(range(200), key=key)                  # SORTED_LINE


def run_calls():
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    compare_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                    ctypes.POINTER(ctypes.c_int))

    def compare(a, b):
        zlib.crc32(DATA[:a[0] % 4096 + 1024])           # COMPARE_LINE
        return a[0] - b[0]

    callback = compare_type(compare)
    values = (ctypes.c_int * 200)(*range(200, 0, -1))

    def sort_with_qsort():
        libc.qsort(values, len(values), ctypes.sizeof(ctypes.c_int), callback)  # QSORT_LINE

    say_ready()
    while True:
        sort_with_key()
        sort_with_qsort()
        for i in range(len(values)):
            values[i] = 200 - i


def sleeping_key(value):
    if value == 1:
        say_ready()
        time.sleep(100000)                              # SLEEP_LINE
    return value


def run_sleep():
    sorted([2, 1], key=sleeping_key)                    # SLEEP_SORTED_LINE


def run_cthread():
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    pthread = ctypes.CDLL(ctypes.util.find_library("pthread") or ctypes.util.find_library("c"))
    thread_id = ctypes.c_ulong()
    start = ctypes.cast(libc.pause, ctypes.c_void_p)
    if pthread.pthread_create(ctypes.byref(thread_id), None, start, None) != 0:
        raise SystemExit("pthread_create failed")
    say_ready()
    while True:
        time.sleep(1000)                                # CTHREAD_MAIN_LINE


class Node(object):
    def __init__(self):
        self.other = self


def run_gc():
    heap = [Node() for _ in range(50000)]
    say_ready()
    while True:
        gc.collect()                                    # GC_LINE
    return heap


def run_signals():
    import signal

    def say_signal(signo, frame):
        sys.stdout.write("signal\n")
        sys.stdout.flush()

    signal.signal(signal.SIGUSR1, say_signal)
    say_ready()
    while True:
        sum(range(100))


if __name__ == "__main__":
    {"zlib": run_zlib, "calls": run_calls, "sleep": run_sleep, "cthread": run_cthread,
     "gc": run_gc, "signals": run_signals}[sys.argv[1]]()
