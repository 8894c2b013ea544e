#!/usr/bin/env python3
"""The peer: exact lines in a Python set (what a quick script does; no types, no subdomains, no blocks)."""
import sys
with open(sys.argv[1], "rb") as f:
    s = set(f.read().splitlines())
out = sys.stdout.buffer
with open(sys.argv[2], "rb") as f:
    for line in f:
        if line.rstrip(b"\n") in s:
            out.write(line)
