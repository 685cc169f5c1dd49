"""Calls spin() of the C library argv[1] forever, through ctypes; prints
"ready" once the library is loaded."""
import ctypes
import sys

library = ctypes.CDLL(sys.argv[1])
library.spin.restype = ctypes.c_double


def work():
    while True:
        library.spin(10000000)                           # CALL_LINE


sys.stdout.write("ready\n")
sys.stdout.flush()
work()
