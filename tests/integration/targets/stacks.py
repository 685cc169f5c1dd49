# -*- coding: utf-8 -*-
"""Threads parked in known places, and the interpreter's own view of them.

Usage: stacks.py OUT.json [DEPTH]

Starts threads whose stacks cover the shapes a profiler must get right (a
method, a nested function, a generator, a generator expression consumed by
C, a callback from C, code from exec, recursion, each way the interpreter
can call a function without C in between: a property, __getitem__, calls
with *args, **kwargs and keywords, a class's __init__; on Python 3 also
coroutines driven by send() and by asyncio, and names in Latin-1, UCS-2 and
UCS-4).  The plain Python shapes first run a few hundred times, so that
the interpreter has specialized their instructions (3.11+) when they park.
It waits until every thread sits in its final sleep, then writes what
sys._current_frames() says of each (qualified name, file, line, innermost
last) with its kernel thread id to OUT.json, prints "ready" and keeps the
threads parked until killed.  Runs unchanged on CPython 2.7 to 3.15.
"""
import json
import os
import sys
import threading
import time

PY3 = sys.version_info[0] >= 3
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
arrived = threading.Semaphore(0)
WARMING = [False]


def native_id():
    if hasattr(threading, "get_native_id"):
        return threading.get_native_id()
    import ctypes
    return ctypes.CDLL(None).syscall(186)   # SYS_gettid on x86_64


def park():
    if WARMING[0]:
        return 0
    arrived.release()
    while True:
        time.sleep(1000)                    # PARK_LINE


class Worker(object):
    def method(self):
        park()


def outer():
    def inner():
        park()
    inner()


def generator():
    yield park()


def drive_generator():
    for _ in generator():
        pass


def genexpr_consumer():
    return sum(park() for _ in [1])


def c_callback():
    return sorted([2, 1], key=lambda item: park())


def recursion(depth):
    if depth == 0:
        return park()
    return recursion(depth - 1)


class Indexed(object):
    def __getitem__(self, key):
        return spread(key)


def spread(*args):
    return keywords(**{"value": args[0]})


def keywords(value):
    return named(value=value)


def named(value):
    return Made(value).result


class Made(object):
    def __init__(self, value):
        self.result = self.prop

    @property
    def prop(self):
        return park()


class Holder(object):
    @property
    def indexed(self):
        return Indexed()[0]


def special_calls():
    return Holder().indexed


DYNAMIC = compile("def dynamic():\n    return park()\n", "<dyn-src>", "exec")


def exec_code():
    namespace = {"park": park}
    exec(DYNAMIC, namespace)
    namespace["dynamic"]()


def with_tid(target, *args):
    def run():
        TIDS[threading.current_thread().ident] = native_id()
        target(*args)
    return run


TIDS = {}
KINDS = [
    (Worker().method, ()),
    (outer, ()),
    (drive_generator, ()),
    (genexpr_consumer, ()),
    (c_callback, ()),
    (exec_code, ()),
    (recursion, (int(sys.argv[2]) if len(sys.argv) > 2 else 30,)),
    (special_calls, ()),
]
WARM_UP = [(target, args) for target, args in KINDS
           if target in (Worker().method, outer, drive_generator, genexpr_consumer,
                         c_callback, recursion, special_calls)]
if PY3:
    import unicode_names
    KINDS.append((unicode_names.entry, (park,)))
    import coroutines
    KINDS.append((coroutines.drive_by_send, (park,)))
    KINDS.append((coroutines.drive_by_asyncio, (park,)))


def frame_name(code):
    return getattr(code, "co_qualname", code.co_name)


def parked(frame):
    return frame.f_code is park.__code__ and frame.f_lineno == PARK_LINE


def view(frame):
    frames = []
    while frame is not None:
        frames.append([frame_name(frame.f_code), frame.f_code.co_filename, frame.f_lineno])
        frame = frame.f_back
    frames.reverse()
    return frames


def main():
    out_path = sys.argv[1]
    threading.stack_size(64 * 1024 * 1024)   # room for deep recursion on <= 3.10
    WARMING[0] = True
    for target, args in WARM_UP:
        for _ in range(300):
            target(*args)
    WARMING[0] = False
    threads = []
    for target, args in KINDS:
        thread = threading.Thread(target=with_tid(target, *args))
        thread.daemon = True
        thread.start()
        threads.append(thread)
    for _ in threads:
        arrived.acquire()
    # Each thread released the semaphore just before its sleep: wait until
    # the interpreter shows every one of them inside it.
    idents = [t.ident for t in threads]
    while True:
        current = sys._current_frames()
        if all(ident in current and parked(current[ident]) for ident in idents):
            break
        time.sleep(0.001)
    expected = {}
    for ident in idents:
        expected[str(TIDS[ident])] = view(current[ident])
    with open(out_path + ".tmp", "w") as fh:
        json.dump({"pid": os.getpid(), "threads": expected}, fh)
    os.rename(out_path + ".tmp", out_path)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        time.sleep(1000)


with open(os.path.abspath(__file__)) as _fh:
    PARK_LINE = [i for i, line in enumerate(_fh, 1) if "# PARK_LINE" in line and "enumerate" not in line][0]

if __name__ == "__main__":
    main()
