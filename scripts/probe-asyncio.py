"""Run by scripts/gen-layouts.py probe-asyncio inside each interpreter
(3.7 - 3.13): where the _asyncio module's C objects keep what peekpy follows.

Their structures are declared in _asynciomodule.c, in no header, so they
are measured here on live objects instead: each member is found as the one
word of the object that holds a known object's address.  Offsets are
printed counting from the end of the object header, so that one probe
serves the default and the free-threaded build of a version.
"""
import asyncio
import ctypes
import functools
import sys

HEADER = object.__basicsize__


def words(obj):
    size = type(obj).__basicsize__
    return [ctypes.c_uint64.from_address(id(obj) + at).value for at in range(0, size, 8)]


def where(obj, target, what):
    hits = [i for i, word in enumerate(words(obj)) if word == id(target)]
    if len(hits) != 1:
        sys.exit("probe-asyncio: %s found %d times in %s" % (what, len(hits), type(obj).__name__))
    return hits[0] * 8 - HEADER


def first_done(fut):
    pass


def second_done(fut):
    pass


def main():
    out = {}
    loop = asyncio.new_event_loop()
    fut = loop.create_future()
    if type(fut).__module__ != "_asyncio":
        sys.exit("probe-asyncio: futures are not _asyncio's C objects here")
    out["fut.loop"] = where(fut, loop, "the event loop")
    fut.add_done_callback(first_done)
    out["fut.callback0"] = where(fut, first_done, "the first callback")
    before = words(fut)
    fut.add_done_callback(second_done)
    grown = [i for i, (old, new) in enumerate(zip(before, words(fut))) if not old and new]
    if len(grown) != 1:
        sys.exit("probe-asyncio: a second callback changed %d words" % len(grown))
    out["fut.callbacks"] = grown[0] * 8 - HEADER

    # The state: the one 32-bit word that goes from pending (0) to finished (2).
    done = loop.create_future()
    before = [ctypes.c_uint32.from_address(id(done) + at).value
              for at in range(0, type(done).__basicsize__, 4)]
    done.set_result(None)
    after = [ctypes.c_uint32.from_address(id(done) + at).value
             for at in range(0, type(done).__basicsize__, 4)]
    states = [i for i, (old, new) in enumerate(zip(before, after)) if old == 0 and new == 2]
    if len(states) != 1:
        sys.exit("probe-asyncio: the state of a future not found (%d candidates)" % len(states))
    out["fut.state"] = states[0] * 4 - HEADER

    waited = loop.create_future()

    async def body():
        await waited

    coro = body()
    name = "-".join(["probe", "task", str(id(loop))])
    named = {"name": name} if sys.version_info >= (3, 8) else {}
    task = loop.create_task(coro, **named)
    out["task.coro"] = where(task, coro, "the coroutine")
    if named:
        out["task.name"] = where(task, name, "the name")
    loop.run_until_complete(asyncio.sleep(0.01))
    out["task.fut_waiter"] = where(task, waited, "the awaited future")
    callback_word = words(waited)[(out["fut.callback0"] + HEADER) // 8]
    wakeup = ctypes.cast(callback_word, ctypes.py_object).value
    out["wakeup.task"] = where(wakeup, task, "the task in its wake-up callback")
    print("wakeup.type", type(wakeup).__name__)
    partial = functools.partial(first_done, waited)
    out["partial.args"] = where(partial, partial.args, "a partial's arguments")

    task.cancel()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    print("version", sys.version.split()[0])
    print("free_threaded", 1 if getattr(sys, "_is_gil_enabled", lambda: True)() is False
          or "t" in getattr(sys, "abiflags", "") else 0)
    for key in sorted(out):
        print(key, out[key])


main()
