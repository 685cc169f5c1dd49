"""Coroutines driven by send() and by an asyncio event loop (Python 3.5+)."""
import asyncio


async def leaf(park):
    return park()


async def middle(park):
    return await leaf(park)


def drive_by_send(park):
    coro = middle(park)
    try:
        coro.send(None)
    except StopIteration:
        pass


async def task_body(park):
    return await middle(park)


def drive_by_asyncio(park):
    loop = asyncio.new_event_loop()
    loop.run_until_complete(loop.create_task(task_body(park)))
