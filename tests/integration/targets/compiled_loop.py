"""Calls compiled code forever: argv[1] is "ctypes" with argv[2] a C
library whose spin() is called, or "cython" with argv[2] the folder of the
built module spinner.  Prints "ready" once it is loaded."""
import sys

if sys.argv[1] == "ctypes":
    import ctypes
    library = ctypes.CDLL(sys.argv[2])
    library.spin.restype = ctypes.c_double
    spin = library.spin
else:
    sys.path.insert(0, sys.argv[2])
    import spinner
    spin = spinner.spin


def work():
    while True:
        spin(10000000)                                  # CALL_LINE


sys.stdout.write("ready\n")
sys.stdout.flush()
work()
