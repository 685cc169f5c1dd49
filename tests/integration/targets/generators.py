"""Generators taking turns with their consumers, forever.

Usage: generators.py; prints "ready" when it starts.  Nested generators
driven by a for loop, generator expressions consumed by C (sum, str.join),
and, on Python 3, delegation (yield from) and coroutines driven by send():
frames that leave the thread's stack and come back every microsecond.  In
every true stack each function hangs from one of the callers named in
CALLERS, and the oldest frame is the module's.
"""
import sys

# function -> the functions that may call (resume) it
CALLERS = {
    "loop": ["<module>"],
    "middle": ["loop", "<genexpr>", "delegate"],
    "leaf": ["middle", "<genexpr>"],
    "<genexpr>": ["loop"],
    "run": ["loop"],
    "delegate": ["run"],
    "drive": ["run"],
    "co_middle": ["drive"],
    "co_leaf": ["co_middle"],
}


def leaf(n):
    for i in range(n):
        yield i * 2


def middle(n):
    for x in leaf(n):
        yield x + 1


def loop(newer):
    while True:
        for _ in middle(40):
            pass
        sum(x for x in leaf(30))
        "".join(str(x) for x in middle(10))
        if newer:
            newer.run(middle)


if sys.version_info >= (3, 5):
    import generators3 as newer
else:
    newer = None

sys.stdout.write("ready\n")
sys.stdout.flush()
loop(newer)
