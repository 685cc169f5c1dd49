"""Workers forked the way uWSGI forks them: through the C library, not
telling Python (its after-fork hooks do not run).

Usage: forkworkers.py; prints "ready" once both workers run.  Before the
fork the parent starts a thread that sleeps; each worker keeps the
parent's main thread state (with the parent's thread id in it, on 3.11+)
and the sleeper's state, which has no thread in the worker.  Then the
parent and each worker start a thread that spins, and spin themselves; the
parent also starts a thread that runs only C (no Python frame).
(Forking while another thread spins could catch it holding the GIL's lock,
which a worker would then wait for forever: uWSGI's master forks with one
thread too.)
"""
try:
    import _thread
except ImportError:         # Python 2
    import thread as _thread
import ctypes
import os
import sys
import threading
import time


def spin():
    while True:
        pass


def sleep(asleep):
    asleep.set()
    while True:
        time.sleep(60)


def start(function, *args):
    thread = threading.Thread(target=function, args=args)
    thread.daemon = True
    thread.start()
    return thread


asleep = threading.Event()
start(sleep, asleep)
asleep.wait()       # once this thread runs again, the sleeper has let go
read_end, write_end = os.pipe()
# PyDLL keeps the GIL across the call, as a C program that embeds Python
# and forks would.
libc = ctypes.PyDLL(None)
for _ in range(2):
    if libc.fork() == 0:
        libc.prctl(1, 9)    # PR_SET_PDEATHSIG, SIGKILL: end with the parent
        os.close(read_end)
        start(spin)
        os.write(write_end, b"worker\n")
        spin()
os.close(write_end)
with os.fdopen(read_end) as workers:
    for _ in range(2):
        workers.readline()
start(spin)
# A thread running only C (a builtin as its target): a thread state with no
# Python frame, like uWSGI's master thread.
_thread.start_new_thread(time.sleep, (3600,))
sys.stdout.write("ready\n")
sys.stdout.flush()
spin()
