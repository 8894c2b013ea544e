#!/usr/bin/env python3
"""Deterministic data for bench/intel-match.sh: IND.txt (mixed indicators) and VALUES.txt (HIT_RATE of them match).

Indicators: md5/sha1/sha256 (35 %), IPv4 addresses (15 %), IPv4 blocks /16-/28 (4 %), IPv6 addresses and /48 blocks
(3 %), domains (25 %), URLs (13 %), e-mail addresses (5 %). Hits: listed values as written (half of them upper-cased
hashes), subdomains of listed domains, addresses inside listed blocks, URLs on listed domains, addresses at listed
domains. Misses: values of the same shapes that match nothing. Usage: generate.py INDICATORS VALUES OUTDIR [SEED]
"""
import random, sys

n_ind, n_val, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 42)
HIT_RATE = 0.10
# .com is left out so the data matches what the earlier runs used (TypeDetector once read "x.com" as a filename).
TLDS = ["example", "net", "org", "io", "ru", "info", "xyz", "top", "biz", "cn"]
WORDS = ["secure", "login", "account", "update", "mail", "cdn", "pay", "bank", "verify", "cloud", "drive", "portal"]

def hexs(n): return "%0*x" % (n, rng.getrandbits(n * 4))
def label(): return rng.choice(WORDS) + hexs(6)
def domain(): return f"{label()}.{rng.choice(TLDS)}"
def ipv4(): return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
def ipv6(): return "2001:db8:" + ":".join(hexs(4).lstrip("0") or "0" for _ in range(6))
def url(host): return f"http://{host}/{hexs(8)}/{rng.choice(WORDS)}.php?id={rng.randint(1, 99999)}"

kinds, domains, blocks, v6blocks = [], [], [], []
with open(f"{out}/IND.txt", "w") as ind:
    for i in range(n_ind):
        r = rng.random()
        if r < 0.35:
            v = hexs(rng.choice([32, 40, 64])); k = "hash"
        elif r < 0.50:
            v = ipv4(); k = "ip"
        elif r < 0.54:
            p = rng.randint(16, 28); a = rng.getrandbits(32) & ~((1 << (32 - p)) - 1)
            v = f"{a >> 24 & 255}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}/{p}"; k = "cidr"; blocks.append((a, p))
        elif r < 0.57:
            if rng.random() < 0.5:
                v = ipv6(); k = "ip6"
            else:
                v = "2001:db8:" + (hexs(4).lstrip("0") or "0") + "::/48"; k = "cidr6"; v6blocks.append(v)
        elif r < 0.82:
            v = domain(); k = "domain"; domains.append(v)
        elif r < 0.95:
            v = url(domain()); k = "url"
        else:
            v = f"{label()}@{domain()}"; k = "email"
        kinds.append((k, v))
        ind.write(v + "\n")

def hit():
    k, v = rng.choice(kinds)
    r = rng.random()
    if k == "domain" and r < 0.5: return f"{label()}.{v}"                      # subdomain
    if k == "domain" and r < 0.7: return url(f"www.{v}")                        # URL on a listed domain
    if k == "domain" and r < 0.8: return f"{label()}@{v}"                       # address at a listed domain
    if k == "cidr":
        a, p = rng.choice(blocks); a |= rng.getrandbits(32 - p)
        return f"{a >> 24 & 255}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"  # inside a listed block
    if k == "cidr6": return v.replace("::/48", ":" + ":".join(hexs(4).lstrip("0") or "0" for _ in range(5)))
    if k == "hash" and r < 0.5: return v.upper()
    return v

def miss():
    r = rng.random()
    if r < 0.35: return hexs(rng.choice([32, 40, 64]))
    if r < 0.55: return ipv4()
    if r < 0.58: return "2001:db9::" + hexs(4)
    if r < 0.80: return f"{label()}.{domain()}"
    if r < 0.95: return url(domain())
    return f"{label()}@{domain()}"

with open(f"{out}/VALUES.txt", "w") as val:
    buf = []
    for i in range(n_val):
        buf.append(hit() if rng.random() < HIT_RATE else miss())
        if len(buf) == 100_000:
            val.write("\n".join(buf) + "\n"); buf = []
    if buf: val.write("\n".join(buf) + "\n")
