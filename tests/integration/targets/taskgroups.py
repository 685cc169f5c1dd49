"""asyncio tasks under a TaskGroup (3.11+) and under wait_for (3.7+).

Usage: taskgroups.py SECONDS   (0 = forever); prints "ready" once every
task has started and main awaits them.
"group-owner" runs a TaskGroup holding "in-group" (where asyncio has
TaskGroup); "waiter" waits_for "waited-for".  Both leaves spin 20 ms (SPIN_CALL) and sleep 10 ms.
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
    while time.time() < end:
        pass


async def leaf(total, start):
    while total <= 0 or time.time() - start < total:
        spin(0.02)                  # SPIN_CALL
        await asyncio.sleep(0.01)


async def grouped(total, start):
    async with asyncio.TaskGroup() as group:
        group.create_task(leaf(total, start), name="in-group")


async def waiter(total, start):
    await asyncio.wait_for(named(leaf(total, start), name="waited-for"),
                           timeout=3600)


def say_ready():
    sys.stdout.write("ready\n")
    sys.stdout.flush()


async def main(total):
    start = time.time()
    tasks = [named(waiter(total, start), name="waiter")]
    if hasattr(asyncio, "TaskGroup"):
        tasks.append(named(grouped(total, start), name="group-owner"))
    # Said from the loop once every task has run and main awaits them all
    # (before that, nothing awaits them).
    asyncio.get_running_loop().call_later(0.1, say_ready)
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 0))
