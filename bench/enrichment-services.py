#!/usr/bin/env python3
"""Stand-ins for three analyzer services that answer after a fixed delay (default 200 ms), for bench/enrichment.sh.

One threaded HTTP server answers VirusTotal v3 (GET /api/v3/...), URLhaus (POST /v1/...) and MISP
(POST /attributes/restSearch) with their documented "nothing known" shapes, so every run is a full call whose time is
the delay. Counts requests per service and prints them on SIGTERM. Usage: enrichment-services.py PORT [DELAY_S]
"""
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
DELAY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
counts = {"virustotal": 0, "urlhaus": 0, "misp": 0}
lock = threading.Lock()

VT = json.dumps({"data": {"attributes": {"last_analysis_stats": {"malicious": 0, "suspicious": 0, "harmless": 62, "undetected": 9}, "reputation": 0}}}).encode()
URLHAUS = json.dumps({"query_status": "no_results"}).encode()
MISP = json.dumps({"response": {"Attribute": []}}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle on, the body waits for the client's delayed ACK of the headers
    # (40 ms on Linux, on every kept-alive connection), and each call took 240 ms instead of the delay.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, service, body):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        time.sleep(DELAY)
        with lock:
            counts[service] += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.answer("virustotal", VT)

    def do_POST(self):
        if self.path.startswith("/attributes/restSearch"):
            self.answer("misp", MISP)
        else:
            self.answer("urlhaus", URLHAUS)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
server.request_queue_size = 256


def stop(*_):
    print(json.dumps(counts), flush=True)
    threading.Thread(target=server.shutdown).start()


signal.signal(signal.SIGTERM, stop)
server.serve_forever()
