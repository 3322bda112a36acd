#!/usr/bin/python3
"""Referrers listing of one subject with many referrers (issue 11 target:
10,000 referrers, p99 <= 20 ms), and resident memory during one large blob
upload (target: within 64 MiB of idle). Starts `scitt serve` on a fresh
data directory, pushes the subject and REFERRERS referrer manifests (8
client threads, not timed), then times, one request at a time on a
keep-alive connection, REQUESTS GETs of:
  - the first page (1,000 descriptors, the spec's default page here),
  - the page holding the last referrers (via the Link chain's last= value),
  - the first page filtered by artifactType (half the referrers match),
and the whole listing walked through its Link headers. Then streams a
BLOB_MIB MiB upload in 1 MiB PATCH chunks and samples the server's RSS.

Usage: bench/referrers.py PATH/TO/scitt
  env: REFERRERS=10000 REQUESTS=500 BLOB_MIB=2048
"""
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SCITT = os.path.abspath(sys.argv[1])
REFERRERS = int(os.environ.get("REFERRERS", "10000"))
REQUESTS = int(os.environ.get("REQUESTS", "500"))
BLOB_MIB = int(os.environ.get("BLOB_MIB", "2048"))
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def req(self, method, path, body=None, headers=None):
        self.c.request(method, path, body, headers or {})
        r = self.c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def timed(conn, path, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        status, _, body = conn.req("GET", path)
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200, body[:200]
    return times


def main():
    work = tempfile.mkdtemp(prefix="scitt-bench-referrers-")
    port = free_port()
    server = subprocess.Popen([SCITT, "serve", "--listen", f"127.0.0.1:{port}", "--data", os.path.join(work, "data"),
                               "--rate-limit", "0", "--log-level", "warn"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                if Conn(port).req("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        conn = Conn(port)
        empty = b"{}"
        config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
        for blob in (empty, config):
            assert conn.req("POST", f"/v2/app/blobs/uploads/?digest={sha256(blob)}", blob)[0] == 201
        image = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                       "digest": sha256(config), "size": len(config)}, "layers": []}).encode()
        assert conn.req("PUT", "/v2/app/manifests/v1", image, {"Content-Type": OCI_MANIFEST})[0] == 201
        subject = sha256(image)

        def push(first, last):
            c = Conn(port)
            for i in range(first, last):
                kind = "application/spdx+json" if i % 2 else "application/vnd.in-toto+json"
                manifest = json.dumps({
                    "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": kind,
                    "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(empty), "size": 2},
                    "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(empty), "size": 2}],
                    "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": len(image)},
                    "annotations": {"org.opencontainers.image.created": "2026-12-04T12:00:00Z", "n": str(i)}}).encode()
                status, _, body = c.req("PUT", f"/v2/app/manifests/{sha256(manifest)}", manifest,
                                        {"Content-Type": OCI_MANIFEST})
                assert status == 201, body
        t = time.time()
        threads = [threading.Thread(target=push, args=(k * REFERRERS // 8, (k + 1) * REFERRERS // 8)) for k in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        print(f"pushed {REFERRERS} referrers in {time.time() - t:.1f} s")

        first = f"/v2/app/referrers/{subject}"
        # Walk the Link chain once: every referrer exactly once.
        seen, path, pages, t = 0, first, 0, time.perf_counter()
        last_page = first
        while path:
            status, hdrs, body = conn.req("GET", path)
            assert status == 200
            seen += len(json.loads(body)["manifests"])
            pages += 1
            last_page = path
            link = hdrs.get("link")
            path = urllib.parse.urlparse(link[1:link.index(">")]).path + "?" + \
                urllib.parse.urlparse(link[1:link.index(">")]).query if link else None
        walk_ms = (time.perf_counter() - t) * 1000
        assert seen == REFERRERS, (seen, REFERRERS)
        rows = [("first page (1,000)", timed(conn, first, REQUESTS)),
                ("last page", timed(conn, last_page, REQUESTS)),
                ("artifactType filter", timed(conn, first + "?artifactType=application/spdx%2Bjson", REQUESTS))]
        for name, times in rows:
            print(f"referrers {name:22s} p50 {percentile(times, 50):6.2f} ms  p99 {percentile(times, 99):6.2f} ms  "
                  f"max {max(times):6.2f} ms  ({REQUESTS} requests)")
        print(f"referrers whole listing: {seen} descriptors in {pages} pages, {walk_ms:.1f} ms")

        # One large upload, streamed in 1 MiB chunks; RSS sampled meanwhile.
        idle = rss_mib(server.pid)
        status, hdrs, _ = conn.req("POST", "/v2/big/blobs/uploads/")
        location = hdrs["location"]
        chunk = os.urandom(1 << 20)
        digest = hashlib.sha256()
        peak = idle
        t = time.time()
        for i in range(BLOB_MIB):
            status, hdrs, body = conn.req("PATCH", location, chunk, {
                "Content-Type": "application/octet-stream",
                "Content-Range": f"{i << 20}-{((i + 1) << 20) - 1}"})
            assert status == 202, body
            location = hdrs["location"]
            digest.update(chunk)
            if i % 16 == 0:
                peak = max(peak, rss_mib(server.pid))
        status, _, body = conn.req("PUT", f"{location}{'&' if '?' in location else '?'}digest=sha256:{digest.hexdigest()}")
        assert status == 201, body
        peak = max(peak, rss_mib(server.pid))
        print(f"upload of {BLOB_MIB} MiB in {time.time() - t:.1f} s: server RSS idle {idle:.1f} MiB, "
              f"peak {peak:.1f} MiB (+{peak - idle:.1f} MiB)")
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


main()
