"""Fills the container's memory 1 MiB every 5 ms until the worker it squeezes is gone or the time runs out.

Usage: python3 -c "$(cat memory-fill.py)" VICTIM_PID MAX_SECONDS PID_FILE
It writes its own pid to PID_FILE first, so that the harness can stop it early. Python, because the
target's image has it; the memory-squeeze fault (memory-squeeze.ts) passes it with `python3 -c`.
"""

import os
import sys
import time

victim, deadline, pid_file = int(sys.argv[1]), time.time() + float(sys.argv[2]), sys.argv[3]
with open(pid_file, "w") as out:
    out.write(str(os.getpid()))
held = []
while time.time() < deadline:
    try:
        os.kill(victim, 0)
    except OSError:
        break
    held.append(b"\x01" * 1048576)
    time.sleep(0.005)
