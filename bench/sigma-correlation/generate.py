#!/usr/bin/env python3
"""Failed (3 in 4) and successful Windows logons of 2,000 accounts, ten events per second, as NDJSON.

Usage: generate.py EVENTS OUT SEED
"""
import json
import random
import sys

events, out, seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
random.seed(seed)
with open(out, "w") as f:
    for i in range(events):
        s = i // 10
        t = f"2026-01-{1 + s // 86400:02d}T{(s // 3600) % 24:02d}:{(s // 60) % 60:02d}:{s % 60:02d}.{(i % 10) * 100:03d}Z"
        f.write(json.dumps({"@timestamp": t, "EventID": 4625 if i % 4 else 4624,
                            "TargetUserName": f"user{random.randrange(2000)}", "Computer": "dc1"}) + "\n")
