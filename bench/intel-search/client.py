#!/usr/bin/env python3
"""Latency of GET /api/v1/indicators on one keep-alive connection, one request at a time: exact value hits and misses,
selective prefixes (the first 12 characters of stored and of unknown values) and broad prefixes (a common word after
the scheme, thousands of matches; the page holds 50). Prints p50/p90/p99/max per class and how many answers held an
item. Usage: client.py BASE_URL API_KEY HITS_FILE MISSES_FILE [REQUESTS_PER_CLASS]
"""
import http.client, json, sys, time, urllib.parse, random

base, key, hits_file, misses_file = sys.argv[1:5]
per_class = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port)
headers = {"Authorization": f"Bearer {key}"}
hits = open(hits_file).read().split()
misses = open(misses_file).read().split()
rng = random.Random(1)
WORDS = ["secure", "login", "account", "update", "mail", "cdn", "pay", "bank", "verify", "cloud", "drive", "portal"]

def get(params):
    path = "/api/v1/indicators?" + urllib.parse.urlencode(params)
    t = time.perf_counter()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        sys.exit(f"{path}: HTTP {r.status} {body[:300]!r}")
    return ms, len(json.loads(body)["items"])

classes = {
    "exact value, stored": lambda i: {"value": hits[i % len(hits)]},
    "exact value, not stored": lambda i: {"value": misses[i % len(misses)]},
    "prefix (12 chars), stored": lambda i: {"q": hits[i % len(hits)][:12]},
    "prefix (12 chars) of an unknown value": lambda i: {"q": misses[i % len(misses)][:12]},
    "broad prefix (http://WORD)": lambda i: {"q": "http://" + WORDS[i % len(WORDS)]},
}
for i in range(200):  # warm-up, not recorded
    get(classes["exact value, stored"](rng.randrange(len(hits))))
print(f"| query | requests | p50 ms | p90 ms | p99 ms | max ms | answers with items |")
print(f"| --- | --- | --- | --- | --- | --- | --- |")
for name, make in classes.items():
    lat, found = [], 0
    for i in range(per_class):
        ms, items = get(make(rng.randrange(10**9)))
        lat.append(ms)
        found += items > 0
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print(f"| {name} | {per_class} | {q(0.5):.2f} | {q(0.9):.2f} | {q(0.99):.2f} | {lat[-1]:.2f} | {found} |")
