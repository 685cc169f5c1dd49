"""Calls a Cython function forever; argv[1] is the folder its built module
is in.  Prints "ready" once it has imported it."""
import sys

sys.path.insert(0, sys.argv[1])
import spinner  # noqa: E402


def work():
    while True:
        spinner.spin(10000000)                           # CALL_LINE


sys.stdout.write("ready\n")
sys.stdout.flush()
work()
