#!/usr/bin/python3
"""Latency of a plain read while something else loads the service: GET PATH
every INTERVAL seconds for SECONDS seconds, one request at a time on a fresh
connection, then one line: "reads: N  p50 X ms  p99 Y ms  max Z ms".
Usage: read_probe.py URL SECONDS [PATH] [INTERVAL]"""
import http.client
import sys
import time
import urllib.parse

url = urllib.parse.urlparse(sys.argv[1])
seconds = float(sys.argv[2])
path = sys.argv[3] if len(sys.argv) > 3 else "/entries/0"
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.05
latencies = []
errors = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            errors += 1
    except OSError:
        errors += 1
    latencies.append((time.monotonic() - start) * 1000)
    time.sleep(max(0.0, interval - (time.monotonic() - start)))
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
print(f"reads: {len(latencies)}  p50 {pick(0.5):.1f} ms  p99 {pick(0.99):.1f} ms  max {latencies[-1] if latencies else 0:.1f} ms"
      f"  errors {errors}")
