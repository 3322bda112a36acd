#!/usr/bin/python3
"""Evidence ingest (issue 12 target: a CycloneDX SBOM of 10,000 components
indexed in <= 0.5 s). Starts `scitt serve` on a fresh data directory,
generates a CycloneDX 1.5 JSON SBOM of COMPONENTS components (each with a
purl; a dependency tree of fan-out 8 from the root), signs it with
`scitt statement sign`, and RUNS times registers it (a new serial number
each time, so each is a new statement) and measures, from the 201 of
`POST /entries`, how long until GET /statements shows it indexed with its
format (polled every 2 ms): what a user sees, the follower's latency
included. Prints each run and the median.

Usage: bench/evidence_ingest.py PATH/TO/scitt
  env: COMPONENTS=10000 RUNS=5
"""
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

SCITT = os.path.abspath(sys.argv[1])
COMPONENTS = int(os.environ.get("COMPONENTS", "10000"))
RUNS = int(os.environ.get("RUNS", "5"))
PORT = 18620
WORK = tempfile.mkdtemp(prefix="scitt-ingest-")


def sbom(serial):
    components = [{"type": "library", "bom-ref": f"c{i}", "name": f"lib{i}", "version": "1.0.0",
                   "purl": f"pkg:npm/lib{i}@1.0.0"} for i in range(COMPONENTS)]
    dependencies = [{"ref": "root", "dependsOn": [f"c{i}" for i in range(min(8, COMPONENTS))]}]
    for i in range(COMPONENTS):
        children = [f"c{j}" for j in range(8 * i + 8, min(8 * i + 16, COMPONENTS))]
        dependencies.append({"ref": f"c{i}", "dependsOn": children})
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": f"urn:uuid:{serial}",
                       "version": 1,
                       "metadata": {"component": {"type": "application", "bom-ref": "root", "name": "app",
                                                  "version": "1.0", "purl": "pkg:npm/app@1.0"}},
                       "components": components, "dependencies": dependencies}).encode()


def get(conn, path):
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, (response.status, body[:200])
    return json.loads(body)


def main():
    os.chdir(WORK)
    subprocess.run([SCITT, "key", "generate", "--alg", "ES256", "--out", "issuer.pem"], check=True,
                   capture_output=True)
    subprocess.run([SCITT, "key", "export", "issuer.pem", "--format", "jwks", "--out", "issuers.json"], check=True,
                   capture_output=True)
    server = subprocess.Popen([SCITT, "serve", "--listen", f"127.0.0.1:{PORT}", "--data", "data", "--issuer-keys",
                               "issuers.json", "--rate-limit", "0", "--max-statement-bytes", str(64 << 20),
                               "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        for _ in range(600):
            try:
                get(conn, "/health")
                break
            except (OSError, AssertionError):  # not listening yet, or 503 while starting
                conn = http.client.HTTPConnection("127.0.0.1", PORT)
                time.sleep(0.05)
        times = []
        for run in range(RUNS):
            document = sbom(uuid.uuid4())
            with open("sbom.json", "wb") as f:
                f.write(document)
            subject = "sha256:" + f"{run:02x}" * 32
            subprocess.run([SCITT, "statement", "sign", "--key", "issuer.pem", "--issuer", "https://bench.example",
                            "--subject", subject, "--content-type", "application/vnd.cyclonedx+json",
                            "--out", "sbom.cose", "sbom.json"], check=True, capture_output=True)
            with open("sbom.cose", "rb") as f:
                statement = f.read()
            conn.request("POST", "/entries", statement, {"Content-Type": "application/cose"})
            response = conn.getresponse()
            response.read()
            assert response.status == 201, response.status
            start = time.monotonic()
            query = "/statements?" + urllib.parse.urlencode({"subject": subject})
            while True:
                found = get(conn, query)["statements"]
                if found:
                    break
                time.sleep(0.002)
            elapsed = time.monotonic() - start
            assert found[0].get("format") == "CycloneDX", found[0]
            edges = get(conn, "/edges?" + urllib.parse.urlencode({"node": "pkg:npm/lib0@1.0.0",
                                                                  "kind": "DEPENDS_ON"}))["edges"]
            times.append(elapsed)
            print(f"run {run + 1}: {len(document) / 1e6:.2f} MB SBOM of {COMPONENTS} components indexed "
                  f"{elapsed * 1000:.0f} ms after its 201 ({len(edges)} DEPENDS_ON edges from lib0 so far)")
        print(f"median: {statistics.median(times) * 1000:.0f} ms for {COMPONENTS} components (target <= 500 ms)")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(WORK, ignore_errors=True)


main()
