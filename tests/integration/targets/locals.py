# -*- coding: utf-8 -*-
"""A function blocked with a local of every kind `dump --locals` shows.

Prints "expect {JSON}" (Python's own repr of the values peekpy must match
exactly), then "ready", then sleeps at HELD_LINE."""
import json
import sys
import time


class Opaque(object):
    pass


def held(count, ratio, *rest, **options):
    flag = True
    nothing = None
    big = 2 ** 62 + 1
    negative = -12345678901
    text = u"caf\u00e9 \u6f22\u5b57 \U0001F600 " * 20
    short = "it's"
    data = b"\x00bytes\xff"
    pair = (1, "two")
    items = [1, 2.5, None, [3, 4], {"k": "v"}, 6, 7]
    table = {"a": 1, "b": [1, 2]}
    thing = Opaque()
    # A class with a non-ASCII name (2.7: its UTF-8 bytes).
    odd = type("Caf\u00e9" if sys.version_info[0] >= 3 else "Caf\xc3\xa9", (object,), {})()
    exact = dict((name, repr(value)) for name, value in (
        ("count", count), ("ratio", ratio), ("rest", rest), ("options", options),
        ("flag", flag), ("nothing", nothing), ("big", big), ("negative", negative),
        ("short", short), ("data", data), ("pair", pair), ("table", table)))
    sys.stdout.write("expect %s\n" % json.dumps(exact))
    sys.stdout.write("text %s\n" % json.dumps(text))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        time.sleep(1000)            # HELD_LINE


if __name__ == "__main__":
    held(3, 0.1, "extra", mode="fast")
