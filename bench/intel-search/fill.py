#!/usr/bin/env python3
"""Deterministic rows for bench/intel-search.sh's bulk fill: N indicators as stored (normalized values), a TSV of
type, value, kind, category for sqlite3's .import, and samples of stored values to look up (hits) and of values of the
same shapes that are not stored (misses). Mix: sha256 40 %, domains 20 %, IPv4 10 %, URLs 20 %, e-mail 10 %.
Usage: fill.py N OUTDIR [SEED]
"""
import random, sys

n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
WORDS = ["secure", "login", "account", "update", "mail", "cdn", "pay", "bank", "verify", "cloud", "drive", "portal"]
TLDS = ["example", "net", "org", "io", "ru", "info", "xyz", "top", "biz", "cn"]
SAMPLE = 2000

def row(i, r):
    # i makes every value unique; r (random) spreads them over the key space like real data.
    if i % 10 < 4:
        return "sha256", "%064x" % r.getrandbits(256), "hash", "Payload delivery"
    if i % 10 < 6:
        return "domain", f"{r.choice(WORDS)}{i:x}.{r.choice(TLDS)}", "domain", "Network activity"
    if i % 10 == 6:
        return "ip-dst", f"{(i >> 24 & 127) + 11}.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", "ip", "Network activity"
    if i % 10 < 9:
        return "url", f"http://{r.choice(WORDS)}{i:x}.{r.choice(TLDS)}/{r.getrandbits(32):08x}/index.php", "url", "Network activity"
    return "email-src", f"{r.choice(WORDS)}{i:x}@{r.choice(TLDS)}mail.example", "email", "Payload delivery"

picks = set(rng.sample(range(n), SAMPLE))
hits = []
with open(f"{out}/fill.tsv", "w") as f:
    for i in range(n):
        t, v, k, c = row(i, rng)
        f.write(f"{t}\t{v}\t{k}\t{c}\n")
        if i in picks:
            hits.append(v)
miss_rng = random.Random(7)
# Misses: the same shapes with numbers beyond the stored range (and fresh random hashes).
misses = [row(n + 1_000_000 + j, miss_rng)[1] for j in range(SAMPLE)]
rng.shuffle(hits)
with open(f"{out}/hits.txt", "w") as f:
    f.write("\n".join(hits) + "\n")
with open(f"{out}/misses.txt", "w") as f:
    f.write("\n".join(misses) + "\n")
