"""Prints the user and group it runs as, then works for a moment."""
import os
import sys
import time

sys.stdout.write("uid %d gid %d\n" % (os.getuid(), os.getgid()))
sys.stdout.flush()
end = time.time() + 0.5
while time.time() < end:
    pass
