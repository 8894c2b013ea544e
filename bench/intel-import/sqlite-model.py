# SQLite side of a feed import, modelled in Python: python3 sqlite-model.py idx=value|hash|none[,sort=1][,presort=1][,run=N][,prefill=1][,cache=MB][,batch=N] [ROWS]; IND=feed file.
import sqlite3, json, sys, time, os, resource, hashlib, struct
variant = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
opts = dict(kv.split('=') for kv in variant.split(',') if '=' in kv)
cache = int(opts.get('cache', 16)); batch = int(opts.get('batch', 4000)); sort = opts.get('sort', '0') == '1'
idx = opts.get('idx', 'value')  # value | hash | hashvalue | none
path = f'/tmp/sqlite-model-{os.getpid()}.db'
c = sqlite3.connect(path, isolation_level=None)
c.executescript(f"""PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-{cache*1024}; PRAGMA wal_autocheckpoint=8000;
CREATE TABLE indicators (id INTEGER PRIMARY KEY, org_id BIGINT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL, vh INTEGER, kind TEXT NOT NULL, category TEXT NOT NULL, to_ids INTEGER NOT NULL,
 first_seen BIGINT, last_seen BIGINT, tlp INTEGER NOT NULL, confidence INTEGER, comment TEXT, tags TEXT NOT NULL, suppressed INTEGER NOT NULL DEFAULT 0, warninglists TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX ix_indicators_updated ON indicators(org_id, updated_at, id);
CREATE TABLE indicator_sources (indicator_id BIGINT NOT NULL, org_id BIGINT NOT NULL, source_key TEXT NOT NULL, source_kind TEXT NOT NULL, source_name TEXT NOT NULL, feed_id BIGINT, source_ref TEXT, first_reported BIGINT NOT NULL, last_reported BIGINT NOT NULL, run_id BIGINT NOT NULL, context TEXT, PRIMARY KEY (org_id, source_key, indicator_id)) WITHOUT ROWID;
CREATE INDEX ix_indicator_sources_indicator ON indicator_sources(indicator_id);
""")
if idx == 'value': c.execute("CREATE UNIQUE INDEX ux ON indicators(org_id, value, type)")
if idx in ('hash', 'hashvalue'): c.execute("CREATE UNIQUE INDEX ux ON indicators(org_id, vh, type)")
if idx == 'hashvalue': c.execute("CREATE INDEX ixv ON indicators(org_id, value)")
def h(v): return struct.unpack('<q', hashlib.blake2b(v.encode(), digest_size=8).digest())[0]
vals = [l.rstrip('\n') for l in open(os.environ.get('IND', '/tmp/qii/feeds/IND.txt'))][:n]
if opts.get('prefill') == '1':
    import random
    pre = list(set(v + '.pre' for v in vals)); random.Random(1).shuffle(pre)
    c.execute('BEGIN'); c.executemany("INSERT OR IGNORE INTO indicators (org_id, type, value, vh, kind, category, to_ids, tlp, tags, created_at, updated_at) VALUES (1,'t',?,?,'x','c',1,0,'[]',5,5)", ((v, h(v)) for v in pre)); c.execute('COMMIT')
if opts.get('presort') == '1': vals.sort()
if 'run' in opts:
    r = int(opts['run']); vals = [v for i in range(0, len(vals), r) for v in sorted(vals[i:i+r])]
batches = []
for i in range(0, len(vals), batch):
    rows = [{'typ': 't', 'val': v, 'vh': h(v)} for v in vals[i:i+batch]]
    if sort: rows.sort(key=lambda r: r['vh'] if idx.startswith('hash') else r['val'])
    batches.append(json.dumps(rows))
cpu0 = time.process_time(); t0 = time.time()
for b in batches:
    c.execute('BEGIN')
    c.execute("SAVEPOINT s")
    ids = c.execute("""INSERT INTO indicators (org_id, type, value, vh, kind, category, to_ids, tlp, tags, created_at, updated_at)
      SELECT 1, value->>'typ', value->>'val', value->>'vh', 'x', 'Network activity', 1, 0, '[]', 5, 5 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING RETURNING id""", (b,)).fetchall()
    links = json.dumps([{'id': r[0]} for r in sorted(ids)])
    c.execute("""INSERT INTO indicator_sources (indicator_id, org_id, source_key, source_kind, source_name, feed_id, first_reported, last_reported, run_id)
      SELECT value->>'id', 1, 'feed:1', 'feed', 'bench', 1, 5, 5, 7 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING""", (links,))
    c.execute("RELEASE s")
    c.execute('COMMIT')
cpu = time.process_time() - cpu0
print(f"{variant:40s} rows={c.execute('select count(*) from indicators').fetchone()[0]} wall={time.time()-t0:.1f}s cpu={cpu:.1f}s maxrss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss//1024}MB", flush=True)
c.close()
for f in (path, path+'-wal', path+'-shm'):
    try: os.remove(f)
    except FileNotFoundError: pass
