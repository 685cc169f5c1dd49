# -*- coding: utf-8 -*-
"""Write line-table fixtures for tests/unit/test_linetable.c.

Run with any CPython from 2.7 to 3.15:  python linetable-fixtures.py OUT
For every code object compiled from a sample of tricky source (long jumps,
line gaps over 127 and 255, backward line steps, loops, try/finally, with,
comprehensions, lambdas, generators, and on Python 3 async code), writes its
line table bytes and the line the interpreter itself gives each instruction
offset: co_positions() on 3.11+, co_lines() on 3.10, dis.findlinestarts()
before.  Format, one code object per line:

  name first_line table_hex count offset:line offset:line ...

with line 0 for "no line".  The first line of the file is "format N", N the
enum layout_linetable value for this version.
"""
import dis
import sys
import types

SOURCE = '''
def simple(a, b):
    c = a + b
    return c * 2


def loop(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            total += i
        elif i % 5 == 0:
            total -= i
        else:
            continue
    while total > 100:
        total //= 2
    return total


def handlers(x):
    try:
        y = 1 / x
    except ZeroDivisionError:
        y = 0
    finally:
        x = None
    with open("/dev/null") as fh:
        fh.read()
    return y


def comprehensions(items):
    squares = [i * i for i in items if i]
    pairs = {i: j for i, j in zip(items, items)}
    return sum(x for x in squares), pairs, (lambda q: q + 1)(2)


def generator(n):
    for i in range(n):
        yield i
        yield (
            i +
            1
        )


def long_body(x):
''' + "\n".join("    x = x + %d" % i for i in range(400)) + '''
    return x


def gap(x):
    x += 1
''' + "\n" * 300 + '''    x += 2
''' + "\n" * 130 + '''    return x


def multiline(a,
              b,
              c):
    return (a
            + b
            - c)
'''

ASYNC_SOURCE = '''
async def coroutine(session):
    async with session as s:
        async for item in s:
            await item
    return [x async for x in session]
'''


def codes(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            for inner in codes(const):
                yield inner


def table_format():
    if sys.version_info[0] == 2:
        return 0
    if sys.version_info < (3, 10):
        return 1
    if sys.version_info < (3, 11):
        return 2
    return 3


def line_table(code):
    if sys.version_info >= (3, 10):
        return code.co_linetable
    return code.co_lnotab


def answers(code):
    """(byte offset, line) for every instruction offset, per the interpreter."""
    if hasattr(code, "co_positions"):
        return [(2 * i, pos[0] or 0) for i, pos in enumerate(code.co_positions())]
    if sys.version_info >= (3, 10):
        out = []
        for start, end, line in code.co_lines():
            for offset in range(start, end, 2):
                out.append((offset, line or 0))
        return out
    # Before 3.10: the line of the last line start at or before the offset.
    starts = list(dis.findlinestarts(code))
    out = []
    raw = code.co_code
    offset = 0
    while offset < len(raw):
        line = code.co_firstlineno
        for start, start_line in starts:
            if start <= offset:
                line = start_line
        out.append((offset, line))
        op = raw[offset] if not isinstance(raw, str) else ord(raw[offset])
        if sys.version_info[0] == 2:
            offset += 3 if op >= dis.HAVE_ARGUMENT else 1
        else:
            offset += 2
    return out


def hexlify(data):
    if isinstance(data, str):
        return "".join("%02x" % ord(c) for c in data)
    return "".join("%02x" % b for b in bytearray(data))


def main():
    out = open(sys.argv[1], "w")
    out.write("format %d\n" % table_format())
    sources = [SOURCE]
    if sys.version_info >= (3, 6):
        sources.append(ASYNC_SOURCE)
    for number, source in enumerate(sources):
        module = compile(source, "fixture%d.py" % number, "exec")
        for code in codes(module):
            pairs = answers(code)
            out.write("%s %d %s %d %s\n" % (
                code.co_name.replace(" ", "_") or "?", code.co_firstlineno,
                hexlify(line_table(code)) or "-", len(pairs),
                " ".join("%d:%d" % p for p in pairs)))
    out.close()


if __name__ == "__main__":
    main()
