"""Benchmark target: a real program's stacks, sympy's, changing all the time.

Usage: sympy_work.py; prints "ready", then expands, factors, integrates,
simplifies and takes series in a loop (deep stacks, many short calls, C
calling back into Python, generators made and dropped).  Prints "no sympy"
and exits 3 when sympy is not installed.
"""
import sys

try:
    from sympy import cos, exp, expand, factor, integrate, series, simplify, sin, symbols
    from sympy.core.cache import clear_cache
except ImportError:
    sys.stdout.write("no sympy\n")
    sys.exit(3)


def work(x, y, i):
    e = expand((x + y + i) ** 6)
    factor(e)
    integrate(sin(x) * exp(x) * x ** (i % 4), x)
    simplify(sin(x) ** 2 + cos(x) ** 2 + i)
    series(exp(sin(x)), x, 0, 6)
    clear_cache()


if __name__ == "__main__":
    x, y = symbols("x y")
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    i = 0
    while True:
        i += 1
        work(x, y, i)
