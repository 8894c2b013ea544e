#!/usr/bin/env python3
"""Prefix-search SQL alone, newest first (before decision 71) against value order by keyset (after), on a filled
SQLite store. Usage: prefix-sql.py STORE.db HITS.txt (hits.txt from fill.py). Prints p50/p99/max per query class."""
import random, sqlite3, sys, time

c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
hits = [l.split('\t')[-1].strip() for l in open(sys.argv[2])][:2000]
rnd = random.Random(1)
hi = chr(0x10FFFF)
org = c.execute("SELECT MIN(org_id) FROM indicators").fetchone()[0]
old = f"SELECT i.id FROM indicators i WHERE i.org_id = {org} AND i.value >= ? AND i.value < ? ORDER BY i.id DESC LIMIT 51"
new = f"SELECT i.id FROM indicators i WHERE i.org_id = {org} AND i.value >= ? AND i.value < ? ORDER BY i.value, i.type LIMIT 51"
nxt = f"SELECT i.id FROM indicators i WHERE i.org_id = {org} AND i.value < ? AND (i.value, i.type) > (?, ?) ORDER BY i.value, i.type LIMIT 51"


def run(name, sql, args, n):
    ts = []
    for _ in range(n):
        a = args()
        t = time.perf_counter()
        c.execute(sql, a).fetchall()
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    print(f"{name:45s} n={n} p50={ts[n // 2]:.2f} ms p99={ts[int(n * 0.99) - 1]:.2f} ms max={ts[-1]:.2f} ms", flush=True)


print("values under http://:", c.execute(f"SELECT count(*) FROM indicators WHERE org_id = {org} AND value >= ? AND value < ?", ('http://', 'http://' + hi)).fetchone()[0])
selective = lambda: (lambda v: (v[:12], v[:12] + hi))(rnd.choice(hits))
run("selective prefix (12 chars), newest first", old, selective, 300)
run("selective prefix (12 chars), value order", new, selective, 300)
run("broad 'http://', value order page 1", new, lambda: ('http://', 'http://' + hi), 300)
run("broad 'http://', value order, next page", nxt, lambda: ('http://' + hi, 'http://' + rnd.choice('abcdefghijklmnopqrstuvwxyz'), 'url'), 300)
run("broad 'http://', newest first (before)", old, lambda: ('http://', 'http://' + hi), 5)
