"""Spins in first() for half a second, then executes argv[1:] (another
Python program, or a program that is not Python)."""
import os
import sys
import time


def first():
    end = time.time() + 0.5
    while time.time() < end:
        pass


sys.stdout.write("ready\n")
sys.stdout.flush()
first()
os.execv(sys.argv[1], sys.argv[1:])
