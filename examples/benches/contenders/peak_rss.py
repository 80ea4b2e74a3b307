"""Runs a command and prints its peak resident memory in KiB (its own and its children's).

Usage: peak_rss.py COMMAND [ARG...]
"""
import resource
import subprocess
import sys

done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
if done.returncode != 0:
    sys.exit(f"{sys.argv[1]} exited {done.returncode}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
