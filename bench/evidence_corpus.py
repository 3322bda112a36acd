#!/usr/bin/python3
"""Evidence ingest at corpus scale (issue 12 targets: 10,000 SBOMs of 500
components ingested at >= 20 SBOMs/s on this 2-core machine; the rebuild of
that corpus from the log, time and resident memory; a 100 MB SBOM with
resident memory growing by no more than the graph it adds).

Starts `scitt serve` on a fresh data directory and generates SBOMS CycloneDX
1.5 JSON SBOMs of COMPONENTS components each, drawn from a pool of POOL
purls with a skewed popularity (so SBOMs share packages, like real ones),
each with a dependency tree of fan-out 4, each about its own image digest.
They are signed here (Ed25519, tests/support/scitt_testlib.py) before the
clock starts, then registered over CONNECTIONS connections (POST /entries,
each waiting for its 201); the clock stops when GET /statements says the
index covers them all. Prints registrations/s and SBOMs indexed/s (what a
user sees: from the first POST to the last SBOM indexed).

Then stops the service and times `scitt index rebuild` of the same
directory (wall time, maximum resident set from /usr/bin/time's format).

With BIG_MB > 0, then registers one SBOM of about that many megabytes and
reports the service's resident memory (VmRSS) before, at its peak while
indexing (VmHWM), and after, against the document's size, and its anonymous
part (RssAnon: the heap, without the file pages of the log and the
memory-mapped index), whose peaks are sampled until the 201 (registration)
and after it (indexing). The heap's growth over what evidence.sqlite grew
is issue 12's target (at most 1: memory grows by no more than the graph the
document adds).

Usage: bench/evidence_corpus.py PATH/TO/scitt
  env: SBOMS=10000 COMPONENTS=500 POOL=50000 CONNECTIONS=8 BIG_MB=0 BIG_FORMAT=cyclonedx|cyclonedx-xml|spdx|spdx-tv
"""
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
SBOMS = int(os.environ.get("SBOMS", "10000"))
COMPONENTS = int(os.environ.get("COMPONENTS", "500"))
POOL = int(os.environ.get("POOL", "50000"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "8"))
BIG_MB = int(os.environ.get("BIG_MB", "0"))
BIG_FORMAT = os.environ.get("BIG_FORMAT", "cyclonedx")  # or cyclonedx-xml, spdx, spdx-tv
WORK = tempfile.mkdtemp(prefix="scitt-corpus-")
CDX = "application/vnd.cyclonedx+json"


def sbom(rng, n, name):
    # Zipf-like: low ranks are popular (every SBOM has a few of them). A
    # document larger than the pool draws from a pool twice its size.
    pool = max(POOL, 2 * n)
    picked = set()
    while len(picked) < n:
        picked.add(min(pool - 1, int(rng.paretovariate(1.0)) - 1 + rng.randrange(pool) * (rng.random() < 0.7)))
    purls = [f"pkg:npm/lib{rank}@{1 + rank % 5}.{rank % 7}.0" for rank in sorted(picked)]
    components = [{"type": "library", "bom-ref": f"c{i}", "name": p.split("/")[1].split("@")[0],
                   "version": p.split("@")[1], "purl": p} for i, p in enumerate(purls)]
    dependencies = [{"ref": "root", "dependsOn": [f"c{i}" for i in range(min(4, n))]}]
    for i in range(n):
        dependencies.append({"ref": f"c{i}", "dependsOn": [f"c{j}" for j in range(4 * i + 4, min(4 * i + 8, n))]})
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                       "metadata": {"component": {"type": "application", "bom-ref": "root", "name": name,
                                                  "version": "1.0", "purl": f"pkg:generic/{name}@1.0"}},
                       "components": components, "dependencies": dependencies}).encode()


def cyclonedx_xml(rng, n, name):
    """The same BOM as sbom(), written as CycloneDX XML (dependsOn as
    nested dependency elements)."""
    bom = json.loads(sbom(rng, n, name))

    def component(c):
        return (f'<component type={quoteattr(c["type"])} bom-ref={quoteattr(c["bom-ref"])}>'
                f'<name>{escape(c["name"])}</name><version>{escape(c["version"])}</version>'
                f'<purl>{escape(c["purl"])}</purl></component>')
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">',
             f'<metadata>{component(bom["metadata"]["component"])}</metadata><components>']
    parts += [component(c) for c in bom["components"]]
    parts.append("</components><dependencies>")
    for d in bom["dependencies"]:
        inner = "".join(f"<dependency ref={quoteattr(r)}/>" for r in d["dependsOn"])
        parts.append(f"<dependency ref={quoteattr(d['ref'])}>{inner}</dependency>")
    parts.append("</dependencies></bom>")
    return "".join(parts).encode()


def spdx_sbom(rng, n, name):
    """The same graph as sbom(), written as SPDX 2.3 JSON: packages, and
    relationships in their own array."""
    pool = max(POOL, 2 * n)
    picked = set()
    while len(picked) < n:
        picked.add(min(pool - 1, int(rng.paretovariate(1.0)) - 1 + rng.randrange(pool) * (rng.random() < 0.7)))
    purls = [f"pkg:npm/lib{rank}@{1 + rank % 5}.{rank % 7}.0" for rank in sorted(picked)]
    def package(ref, purl):
        return {"SPDXID": f"SPDXRef-{ref}", "name": purl.split("/")[1].split("@")[0],
                "versionInfo": purl.split("@")[1], "downloadLocation": "NOASSERTION",
                "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                  "referenceLocator": purl}]}
    packages = [package("root", f"pkg:generic/{name}@1.0")] + [package(f"c{i}", p) for i, p in enumerate(purls)]
    def depends(a, b):
        return {"spdxElementId": f"SPDXRef-{a}", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": f"SPDXRef-{b}"}
    relationships = [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                      "relatedSpdxElement": "SPDXRef-root"}]
    relationships += [depends("root", f"c{i}") for i in range(min(4, n))]
    for i in range(n):
        relationships += [depends(f"c{i}", f"c{j}") for j in range(4 * i + 4, min(4 * i + 8, n))]
    return json.dumps({"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
                       "name": name, "documentNamespace": f"https://example.com/{name}",
                       "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: bench"]},
                       "packages": packages, "relationships": relationships}).encode()


def spdx_tag_value(rng, n, name):
    """The same document as spdx_sbom(), written as SPDX tag-value: each
    package's relationships right after it, as SPDX's examples do."""
    document = json.loads(spdx_sbom(rng, n, name))
    lines = [f"SPDXVersion: {document['spdxVersion']}", f"DataLicense: {document['dataLicense']}",
             "SPDXID: SPDXRef-DOCUMENT", f"DocumentName: {name}",
             f"DocumentNamespace: {document['documentNamespace']}", "Creator: Tool: bench",
             "Created: 2026-01-01T00:00:00Z"]
    by_element = {}
    for r in document["relationships"]:
        by_element.setdefault(r["spdxElementId"], []).append(
            f"Relationship: {r['spdxElementId']} {r['relationshipType']} {r['relatedSpdxElement']}")
    lines += by_element.pop("SPDXRef-DOCUMENT", [])
    for p in document["packages"]:
        ref = p["externalRefs"][0]
        lines += ["", f"PackageName: {p['name']}", f"SPDXID: {p['SPDXID']}", f"PackageVersion: {p['versionInfo']}",
                  "PackageDownloadLocation: NOASSERTION",
                  f"ExternalRef: {ref['referenceCategory']} {ref['referenceType']} {ref['referenceLocator']}"]
        lines += by_element.pop(p["SPDXID"], [])
    return ("\n".join(lines) + "\n").encode()


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Service:
    # The log's origin comes from the listening address: a restart keeps it.
    port = None

    def __init__(self, keys):
        Service.port = Service.port or lib.free_port()
        self.port = Service.port
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [SCITT, "serve", "--listen", f"127.0.0.1:{self.port}", "--data", os.path.join(WORK, "data"),
             "--issuer-keys", keys, "--rate-limit", "0", "--max-statement-bytes", str(256 << 20),
             "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while True:
            try:
                if lib.request("GET", self.url + "/health")[0] == 200:
                    return
            except OSError:
                pass
            assert time.time() < deadline, "the service did not start"
            time.sleep(0.05)

    def indexed(self):
        status, _, body = lib.request("GET", self.url + "/statements?limit=1")
        assert status == 200, body
        return json.loads(body)["tree_size"]

    def stop(self):
        self.process.terminate()
        self.process.wait()


def register_all(service, statements):
    pending = list(enumerate(statements))
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=120)
        while True:
            with lock:
                if not pending:
                    return
                _, statement = pending.pop()
            conn.request("POST", "/entries", statement, {"Content-Type": "application/cose"})
            response = conn.getresponse()
            response.read()
            assert response.status == 201, response.status

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def index_bytes():
    """evidence.sqlite and its WAL: the graph as stored. Read with the
    service stopped: closing checkpoints the WAL into the database (a WAL
    keeps its largest size, so its growth while the service runs says
    little)."""
    path = os.path.join(WORK, "data", "evidence.sqlite")
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def main():
    issuer, keys = lib.issuer_with_keys(WORK)
    rng = random.Random(12)
    print(f"generating and signing {SBOMS} SBOMs of {COMPONENTS} components (pool of {POOL} purls)...", flush=True)
    statements = [issuer.sign("sha256:%064x" % (i + 1), sbom(rng, COMPONENTS, f"app{i}"),
                              issuer="https://builder.example", content_type=CDX) for i in range(SBOMS)]
    megabytes = sum(len(s) for s in statements) / 1e6
    service = Service(keys)
    try:
        target = service.indexed() + SBOMS  # the log may start with entries of its own
        start = time.monotonic()
        register_all(service, statements)
        registered = time.monotonic() - start
        while service.indexed() < target:
            time.sleep(0.05)
        indexed = time.monotonic() - start
        print(f"corpus: {SBOMS} SBOMs, {megabytes:.0f} MB of statements")
        print(f"registered: {registered:.1f} s, {SBOMS / registered:.0f} SBOMs/s ({CONNECTIONS} connections)")
        print(f"indexed:    {indexed:.1f} s after the first POST, {SBOMS / indexed:.1f} SBOMs/s (target >= 20)")
    finally:
        service.stop()
    rebuilt = subprocess.run(["/usr/bin/time", "-f", "%e s wall, %M KiB max resident", SCITT, "index", "rebuild",
                              "--data", os.path.join(WORK, "data")], capture_output=True, text=True)
    assert rebuilt.returncode == 0, rebuilt.stderr
    print("rebuild:    " + rebuilt.stderr.strip().split("\n")[-1] + "; " +
          " ".join(line.strip() for line in rebuilt.stdout.split("\n")[:3]))
    if BIG_MB > 0:
        if BIG_FORMAT == "spdx":
            components = BIG_MB * 1_000_000 // 330  # a package and its relationship
            document = spdx_sbom(random.Random(1), components, "big")
            content_type = "application/spdx+json"
        elif BIG_FORMAT == "spdx-tv":
            components = BIG_MB * 1_000_000 // 230  # a package and its relationship
            document = spdx_tag_value(random.Random(1), components, "big")
            content_type = "text/spdx"
        elif BIG_FORMAT == "cyclonedx-xml":
            components = BIG_MB * 1_000_000 // 190  # the same BOM as below is about a quarter larger in XML
            document = cyclonedx_xml(random.Random(1), components, "big")
            content_type = "application/vnd.cyclonedx+xml"
        else:
            components = BIG_MB * 1_000_000 // 150  # about 150 bytes a component with its dependency entry
            document = sbom(random.Random(1), components, "big")
            content_type = CDX
        statement = issuer.sign("sha256:" + "b1" * 32, document, issuer="https://builder.example",
                                content_type=content_type)
        index_before = index_bytes()
        service = Service(keys)
        try:
            size = service.indexed()
            before = rss_kib(service.process.pid, "VmRSS")
            anon_before = rss_kib(service.process.pid, "RssAnon")
            # The kernel keeps the peak of the whole resident set only
            # (VmHWM, file pages included): the heap's peak is sampled.
            # Two peaks: until the 201 (registration), then until indexed.
            anon_peak, phase, sampling = [anon_before, anon_before], [0], threading.Event()

            def sample():
                while not sampling.wait(0.02):
                    anon_peak[phase[0]] = max(anon_peak[phase[0]], rss_kib(service.process.pid, "RssAnon"))
            sampler = threading.Thread(target=sample)
            sampler.start()
            start = time.monotonic()
            status, _, body = lib.request("POST", service.url + "/entries", statement,
                                          {"Content-Type": "application/cose"}, timeout=600)
            assert status == 201, (status, body[:200])
            phase[0] = 1
            while service.indexed() < size + 1:
                time.sleep(0.05)
            elapsed = time.monotonic() - start
            sampling.set()
            sampler.join()
            peak, after = rss_kib(service.process.pid, "VmHWM"), rss_kib(service.process.pid, "VmRSS")
            anon_after = rss_kib(service.process.pid, "RssAnon")
        finally:
            service.stop()
        grown = index_bytes() - index_before
        anon_growth = (max(anon_peak) - anon_before) * 1024
        print(f"big SBOM:   {BIG_FORMAT}, {len(document) / 1e6:.0f} MB, {components} components, indexed {elapsed:.1f} s "
              f"after its POST; resident {before // 1024} MiB before, peak {peak // 1024} MiB, "
              f"{after // 1024} MiB after (anonymous: {anon_before // 1024} MiB before, peak "
              f"{max(anon_peak) // 1024} MiB (registration {anon_peak[0] // 1024}, indexing "
              f"{anon_peak[1] // 1024}), {anon_after // 1024} MiB after; the rest is file pages: the log "
              f"and the mapped index); evidence index grew by {grown / 2**20:.0f} MiB; heap growth / index "
              f"growth {anon_growth / grown:.2f} (target <= 1)")
    shutil.rmtree(WORK, ignore_errors=True)


main()
