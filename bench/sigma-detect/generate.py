#!/usr/bin/env python3
"""Writes N Windows events as NDJSON for bench/sigma-detect.sh, deterministically (seeded).

The events are SigmaHQ's regression events (../shared/testdata/sigma/regression_data, evtx converted to JSON)
replicated with varied values: every event gets its own record id, process id, host and time; 90 % also get
benign process, file and registry values in place of the malicious ones, so about 10 % of the events are hits.
Usage: generate.py COUNT OUT.ndjson [SEED]
"""
import glob, json, os, random, sys

count, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "testdata", "sigma", "regression_data")
events = []
for path in sorted(glob.glob(os.path.join(root, "**", "*.json"), recursive=True)):
    text, i, dec = open(path, encoding="utf-8").read(), 0, json.JSONDecoder()
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        events.append(obj)

images = [r"C:\Windows\System32\svchost.exe", r"C:\Program Files\Google\Chrome\Application\chrome.exe",
          r"C:\Windows\explorer.exe", r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
          r"C:\Windows\System32\RuntimeBroker.exe", r"C:\Users\alice\AppData\Local\Programs\Code\Code.exe"]
words = ["update", "report", "sync", "build", "index", "cache", "backup", "session", "profile", "config"]

def benign(rng):
    img = rng.choice(images)
    return img, f'"{img}" --type={rng.choice(words)} --id={rng.randrange(1 << 30)} /{rng.choice(words)}'

with open(out, "w", encoding="utf-8") as f:
    for n in range(count):
        e = json.loads(json.dumps(rng.choice(events)))
        ev = e["Event"]
        system = ev["System"]
        system["EventRecordID"] = n + 1
        system["Computer"] = f"host-{rng.randrange(500):03d}.corp.example"
        system["TimeCreated"]["#attributes"]["SystemTime"] = f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{(n // 60) % 60:02d}.000000Z"
        data = ev.get("EventData")
        if isinstance(data, dict):
            if "ProcessId" in data:
                data["ProcessId"] = rng.randrange(100, 65000)
            if rng.random() < 0.9:
                img, cmd = benign(rng)
                for k in ("Image", "SourceImage"):
                    if k in data: data[k] = img
                if "CommandLine" in data: data["CommandLine"] = cmd
                if "ParentImage" in data: data["ParentImage"] = r"C:\Windows\explorer.exe"
                if "ParentCommandLine" in data: data["ParentCommandLine"] = r"C:\Windows\Explorer.EXE"
                if "OriginalFileName" in data: data["OriginalFileName"] = os.path.basename(img)
                if "TargetFilename" in data: data["TargetFilename"] = rf"C:\Users\alice\Documents\{rng.choice(words)}-{n}.docx"
                if "TargetObject" in data: data["TargetObject"] = rf"HKCU\Software\Vendor\{rng.choice(words)}\{rng.choice(words)}"
                if "Details" in data: data["Details"] = f"DWORD (0x{rng.randrange(256):08x})"
                if "ImageLoaded" in data: data["ImageLoaded"] = rf"C:\Windows\System32\{rng.choice(words)}.dll"
        f.write(json.dumps(e, separators=(",", ":"), ensure_ascii=False))
        f.write("\n")
