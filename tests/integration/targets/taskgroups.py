"""asyncio tasks under a TaskGroup and under wait_for (3.11+).

Usage: taskgroups.py SECONDS   (0 = forever); prints "ready" once every
task has started.
"group-owner" runs a TaskGroup holding "in-group"; "waiter" waits_for
"waited-for".  Both leaves spin 20 ms (SPIN_CALL) and sleep 10 ms.
"""
import asyncio
import sys
import time


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
    await asyncio.wait_for(asyncio.create_task(leaf(total, start), name="waited-for"),
                           timeout=3600)


async def main(total):
    start = time.time()
    tasks = [asyncio.create_task(grouped(total, start), name="group-owner"),
             asyncio.create_task(waiter(total, start), name="waiter")]
    # Every task exists and has run once before "ready".
    await asyncio.sleep(0.1)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 0))
