"""The Python 3 half of generators.py: yield from, and coroutines."""


def delegate(inner, n):
    yield from inner(n)


async def co_leaf(n):
    total = 0
    for i in range(n):
        total += i
    return total


async def co_middle(n):
    return await co_leaf(n) + await co_leaf(n)


def drive(coro):
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value


def run(inner):
    for _ in delegate(inner, 40):
        pass
    drive(co_middle(40))
