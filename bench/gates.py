#!/usr/bin/python3
"""Deployment gate latency (issue 13 targets: an AdmissionReview of 5 images
p99 <= 50 ms with the verdicts cached, <= 250 ms without; a Gatekeeper
ProviderRequest of 100 keys p99 <= 200 ms), through the real binary over
HTTP as an API server and Gatekeeper call it (docs/deployment-gates.md).

Setup: IMAGES images pushed to the service's own registry under tags (so
every admission resolves tags), each with a supplier's CycloneDX SBOM of
up to PACKAGES components drawn from a shared pool of POOL (the closure of
8 top-level packages), a scanner's CycloneDX findings on about 0.2% of its packages (mixed
severities) and the supplier's OpenVEX closing some. A package's
dependencies are the same in every SBOM that lists it (as a real
version's are), so the merged graph is what real SBOMs give; an appraisal policy
(SBOM from the supplier, no high or critical finding unless VEX'd, two
denied packages) registered as a statement; the service restarted with a
gate configuration naming it (verdicts recorded, the default).

Measured (each request on one keep-alive connection, medians and p99):
- admission, cold: Pods of 5 images none of which has a cached verdict
  (each image appears in one such Pod);
- admission, warm: ROUNDS Pods of 5 random images, all verdicts cached;
- admission, warm, while registering: the same with a client registering
  unrelated statements as fast as it can (the cache must survive them);
- gatekeeper, warm: ROUNDS ProviderRequests of all 100 images (100 keys);
- gatekeeper, cold: the first ProviderRequest of 100 keys after each of
  RESTARTS restarts (every verdict computed).

Usage: bench/gates.py PATH/TO/scitt
  env: IMAGES=100 PACKAGES=1000 POOL=20000 ROUNDS=200 RESTARTS=3
"""
import hashlib
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
IMAGES = int(os.environ.get("IMAGES", "100"))
PACKAGES = int(os.environ.get("PACKAGES", "1000"))
POOL = int(os.environ.get("POOL", "20000"))
ROUNDS = int(os.environ.get("ROUNDS", "200"))
RESTARTS = int(os.environ.get("RESTARTS", "3"))
WORK = tempfile.mkdtemp(prefix="scitt-gates-bench-")
SUPPLIER, SCANNER, SECURITY = "https://supplier.example", "https://scanner.example", "https://security.example"
SEVERITIES = ["low", "medium", "high", "critical"]


def post_json(conn, path, body):
    data = json.dumps(body).encode()
    start = time.perf_counter()
    conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
    res = conn.getresponse()
    out = res.read()
    elapsed = (time.perf_counter() - start) * 1000
    assert res.status == 200, (res.status, out[:300])
    return elapsed, json.loads(out)


def summary(name, samples):
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"{name:46s} n={len(samples):4d}  p50 {statistics.median(samples):7.1f} ms  p99 {p99:7.1f} ms  "
          f"max {samples[-1]:7.1f} ms", flush=True)


def dependencies_of(package):
    """A package's own dependencies: the same in every SBOM that lists it (as
    a real package version's are), a few packages later in the pool."""
    rng = random.Random(package)
    return sorted(rng.sample(range(package + 1, min(POOL, package + 60)), min(rng.randint(0, 3),
                                                                          max(0, POOL - package - 1))))


def purl(package):
    return f"pkg:npm/lib{package}@1.{package % 7}.0"


def sbom(rng, name):
    # The closure of a few top-level packages, up to PACKAGES of them.
    roots = rng.sample(range(POOL - 600), 8)
    closure, frontier = set(roots), list(roots)
    while frontier and len(closure) < PACKAGES:
        package = frontier.pop(0)
        for child in dependencies_of(package):
            if child not in closure and len(closure) < PACKAGES:
                closure.add(child)
                frontier.append(child)
    packages = sorted(closure)
    dependencies = [{"ref": "root", "dependsOn": [purl(p) for p in roots]}]
    for package in packages:
        children = [purl(c) for c in dependencies_of(package) if c in closure]
        if children:
            dependencies.append({"ref": purl(package), "dependsOn": children})
    purls = [purl(p) for p in packages]
    return purls, {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                   "metadata": {"component": {"bom-ref": "root", "name": name}},
                   "components": [{"bom-ref": p, "name": p.split("/")[1].split("@")[0], "purl": p} for p in purls],
                   "dependencies": dependencies}


def setup(issuer, server):
    rng = random.Random(7)
    images = []
    registered = 0
    for n in range(IMAGES):
        digest = lib.push_image(server, f"bench/app-{n}", "1.0", json.dumps({"os": "linux", "bench": n}).encode())
        purls, document = sbom(rng, f"app-{n}")
        lib.register(server, issuer, digest, SUPPLIER, "application/vnd.cyclonedx+json", json.dumps(document).encode())
        findings = [p for p in purls if rng.random() < 0.002]
        vulnerabilities = [{"id": f"CVE-2026-{int(hashlib.sha256(p.encode()).hexdigest()[:8], 16) % 100000}", "ratings": [{"severity": rng.choice(SEVERITIES)}],
                            "affects": [{"ref": p}]} for p in findings]
        lib.register(server, issuer, digest, SCANNER, "application/vnd.cyclonedx+json",
                     json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                                 "vulnerabilities": vulnerabilities}).encode())
        closed = [v for v in vulnerabilities if rng.random() < 0.5]
        if closed:
            vex = {"@context": "https://openvex.dev/ns/v0.2.0", "@id": f"https://supplier.example/vex/{n}",
                   "author": SUPPLIER, "timestamp": "2026-12-05T10:00:00Z", "version": 1,
                   "statements": [{"vulnerability": {"name": v["id"]}, "products": [{"@id": v["affects"][0]["ref"]}],
                                   "status": "not_affected", "justification": "vulnerable_code_not_present"}
                                  for v in closed]}
            lib.register(server, issuer, digest, SUPPLIER, "application/openvex+json", json.dumps(vex).encode())
        images.append((server.url.removeprefix("http://") + f"/bench/app-{n}:1.0", digest))
        registered = n + 1
        if registered % 20 == 0:
            print(f"  {registered} images registered", flush=True)
    policy = {"policy": "bench", "evidence": [{"format": "CycloneDX", "issuers": [SUPPLIER]}],
              "vulnerabilities": {"deny_severity": "high", "vex_issuers": [SUPPLIER]},
              "deny_packages": ["pkg:npm/event-stream@3.3.6", "pkg:npm/lib1@1.1.0"]}
    entry, _ = lib.register(server, issuer, "policy:bench", SECURITY, "application/vnd.scitt.appraisal-policy+json",
                            json.dumps(policy).encode())
    lib.wait_indexed(server, entry + 1, seconds=600)
    return images, entry


def pod(uid, images):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "prod",
                        "operation": "CREATE", "userInfo": {"username": "bench"},
                        "object": {"metadata": {"name": uid},
                                   "spec": {"containers": [{"name": f"c{i}", "image": image}
                                                           for i, image in enumerate(images)]}}}}


def provider(keys):
    return {"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest", "request": {"keys": keys}}


def main():
    issuer, keys = lib.issuer_with_keys(WORK)
    setup_server = lib.Server(SCITT, WORK, "bench", "--issuer-keys", keys, "--rate-limit", "0")
    t0 = time.time()
    images, policy_entry = setup(issuer, setup_server)
    print(f"setup: {IMAGES} images x {PACKAGES} packages in {time.time() - t0:.0f} s", flush=True)
    setup_server.stop()
    config = os.path.join(WORK, "gates.json")
    with open(config, "w") as f:
        json.dump({"policy_entry": policy_entry}, f)
    server = lib.Server(SCITT, WORK, "bench-gates", "--issuer-keys", keys, "--rate-limit", "0", "--gates", config,
                        data=setup_server.data, start=False)
    server.port, server.url = setup_server.port, setup_server.url
    refs = [ref for ref, _ in images]

    def connect():
        return http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)

    cold_gatekeeper = []
    for _ in range(RESTARTS):
        server.start()
        lib.wait_indexed(server, policy_entry + 1, seconds=600)
        time.sleep(1)  # the graph is read at start, off the request path
        conn = connect()
        elapsed, answer = post_json(conn, "/gates/gatekeeper", provider(refs))
        assert len(answer["response"]["items"]) == len(refs), answer
        cold_gatekeeper.append(elapsed)
        server.stop()

    server.start()
    lib.wait_indexed(server, policy_entry + 1, seconds=600)
    time.sleep(1)
    conn = connect()
    rng = random.Random(11)
    order = refs[:]
    rng.shuffle(order)
    cold, decisions = [], {"allow": 0, "deny": 0, "error": 0}
    for i in range(0, len(order), 5):
        elapsed, answer = post_json(conn, "/gates/kubernetes", pod(f"cold-{i}", order[i:i + 5]))
        records = json.loads(answer["response"]["auditAnnotations"]["verdicts"])
        assert not any(r.get("cached") for r in records), records
        for r in records:
            decisions[r["decision"]] += 1
        cold.append(elapsed)
    warm = []
    for i in range(ROUNDS):
        elapsed, answer = post_json(conn, "/gates/kubernetes", pod(f"warm-{i}", rng.sample(refs, min(5, len(refs)))))
        warm.append(elapsed)
    gatekeeper = []
    for _ in range(ROUNDS // 4):
        elapsed, _ = post_json(conn, "/gates/gatekeeper", provider(refs))
        gatekeeper.append(elapsed)

    # Unrelated registrations meanwhile: they are indexed, and must not empty the cache.
    stop = threading.Event()

    def register_load():
        n = 0
        while not stop.is_set():
            statement = issuer.sign(f"pkg:npm/unrelated-{n}@1.0", json.dumps({"n": n}).encode())
            lib.request("POST", server.url + "/entries", statement, {"Content-Type": "application/cose"})
            n += 1
    loader = threading.Thread(target=register_load)
    loader.start()
    busy = []
    cached = 0
    for i in range(ROUNDS):
        elapsed, answer = post_json(conn, "/gates/kubernetes", pod(f"busy-{i}", rng.sample(refs, min(5, len(refs)))))
        cached += sum(1 for r in json.loads(answer["response"]["auditAnnotations"]["verdicts"]) if r.get("cached"))
        busy.append(elapsed)
    stop.set()
    loader.join()
    server.stop()

    print(f"decisions on first sight: {decisions}")
    summary("admission, 5 images, cold", cold)
    summary("admission, 5 images, warm", warm)
    summary("admission, 5 images, warm, while registering", busy)
    print(f"  cached verdicts while registering: {cached} of {5 * ROUNDS}")
    summary("gatekeeper, 100 keys, warm", gatekeeper)
    summary("gatekeeper, 100 keys, cold (after a restart)", cold_gatekeeper)


main()
