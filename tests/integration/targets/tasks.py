"""asyncio tasks awaiting tasks, by the clock.

Usage: tasks.py SECONDS   (0 = forever); prints "ready" once main awaits
its tasks (before that, nothing awaits them).
main (task "main") gathers two named tasks: "crunch" spins in Python
(SPIN_LINE) for 30 ms at a time, and awaits "helper", a task that spins
10 ms then sleeps 10 ms; "sleeper" only sleeps (SLEEP_LINE).
"""
import asyncio
import sys
import time


def named(coro, name):
    """A task named name; 3.7's tasks have no names (peekpy then names them
    by their coroutine's function)."""
    if sys.version_info >= (3, 8):
        return asyncio.create_task(coro, name=name)
    return asyncio.ensure_future(coro)


def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:        # SPIN_LINE
        pass


async def helper():
    spin(0.01)                      # HELPER_SPIN
    await asyncio.sleep(0.01)


async def crunch(total, start):
    while total <= 0 or time.time() - start < total:
        spin(0.03)                  # CRUNCH_SPIN
        await named(helper(), name="helper")   # AWAIT_HELPER


async def sleeper(total, start):
    while total <= 0 or time.time() - start < total:
        await asyncio.sleep(0.05)   # SLEEP_LINE


def say_ready():
    sys.stdout.write("ready\n")
    sys.stdout.flush()


async def main(total):
    # Said from the loop, after main has suspended in the gather below.
    asyncio.get_running_loop().call_later(0.1, say_ready)
    start = time.time()
    await asyncio.gather(named(crunch(total, start), name="crunch"),
                         named(sleeper(total, start), name="sleeper"))   # GATHER


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 0))
