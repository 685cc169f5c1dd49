"""Sleeps and never runs Python code again; prints "ready" first."""
import sys
import time

sys.stdout.write("ready\n")
sys.stdout.flush()
while True:
    time.sleep(1000)                # SLEEP_LINE
