"""What execer.py executes: spins in second() for half a second."""
import time


def second():
    end = time.time() + 0.5
    while time.time() < end:
        pass


second()
