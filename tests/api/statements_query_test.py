#!/usr/bin/python3
"""The evidence index through the real binary (docs/api.md "Evidence"):
statements registered by POST /entries are indexed from the log by subject
(an OCI digest also finds name@digest), issuer and payload content type;
GET /statements pages through them with their receipts, which verify; the
answer names the tree size it reflects; `scitt query statements` prints the
same; real SBOMs become graph edges (GET /edges, `scitt query edges`) with
the counts the shared vectors' facts state, one edge per asserting issuer;
a broken SBOM is an indexing error, not a crash; bad parameters get problem
details; after a kill -9 the index catches up, and an index deleted and
rebuilt from the log answers the same.

Usage: statements_query_test.py PATH/TO/scitt
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
LARAVEL = os.path.join(lib.VECTORS, "evidence", "cyclonedx", "laravel-7.12.0.bom.1.4.json")
LARAVEL_FACTS = json.load(open(os.path.join(lib.VECTORS, "evidence", "cyclonedx", "facts.json")))["laravel-7.12.0.bom.1.4.json"]
WORK = tempfile.mkdtemp(prefix="scitt-statements-")
ISSUER, KEYS = lib.issuer_with_keys(WORK)
IMAGE = "sha256:" + "ab" * 32
SBOM = "application/vnd.cyclonedx+json"
SARIF = "application/sarif+json"

# The test walks the graph hop by hop over GET /edges: many requests a second.
SERVER = lib.Server(SCITT, WORK, "index", "--issuer-keys", KEYS, "--rate-limit", "0")
REGISTERED = {}  # entry index -> the statement as signed


def register(subject, issuer, content_type, seed, payload=None):
    if payload is None:
        payload = json.dumps({"seed": seed}).encode()
    index, statement = lib.register(SERVER, ISSUER, subject, issuer, content_type, payload)
    REGISTERED[index] = statement
    return index


def query(**params):
    path = "/statements?" + urllib.parse.urlencode(params)
    status, hdrs, body = lib.request("GET", SERVER.url + path)
    assert status == 200, (status, body)
    assert hdrs["content-type"] == "application/json"
    return json.loads(body), hdrs


def wait_indexed(size):
    lib.wait_indexed(SERVER, size)


def entries(answer):
    return [s["entry"] for s in answer["statements"]]


def test_indexed_by_subject_issuer_and_type_with_receipts():
    a = register(IMAGE, "https://sbom.example", SBOM, 1)
    b = register("demo/app@" + IMAGE, "https://scanner.example", SARIF, 2)
    c = register("pkg:npm/left-pad@1.3.0", "https://sbom.example", SBOM, 3)
    d = register("sha256:" + "cd" * 32, "https://scanner.example", SARIF, 4)
    wait_indexed(d + 1)
    answer, _ = query(subject=IMAGE)
    assert entries(answer) == [a, b], answer
    assert answer["tree_size"] >= d + 1
    first = answer["statements"][0]
    assert first["subject"] == IMAGE and first["issuer"] == "https://sbom.example" and first["content_type"] == SBOM
    assert first["registered_at"].endswith("Z") and len(first["registered_at"]) == 20
    assert entries(query(subject="demo/app@" + IMAGE)[0]) == [b]
    assert entries(query(issuer="https://sbom.example")[0]) == [a, c]
    assert entries(query(type=SARIF)[0]) == [b, d]
    assert entries(query(subject=IMAGE, issuer="https://scanner.example", type=SARIF)[0]) == [b]
    assert entries(query(subject="sha256:" + "ef" * 32)[0]) == []
    # Each receipt proves its statement's inclusion, all against one tree.
    sizes = set()
    for statement in query(issuer="https://scanner.example")[0]["statements"]:
        receipt = base64.b64decode(statement["receipt"])
        _, index, size = lib.verify_receipt(SERVER.url, receipt, lib.registered_form(REGISTERED[statement["entry"]]))
        assert index == statement["entry"]
        sizes.add(size)
    assert len(sizes) == 1, sizes


def test_pages_follow_next_links():
    start = max(REGISTERED) + 1
    for i in range(5):
        register("sha256:" + "12" * 32, "https://paged.example", SBOM, 100 + i)
    wait_indexed(start + 5)
    seen = []
    answer, hdrs = query(issuer="https://paged.example", limit=2)
    pages = 1
    while True:
        seen += entries(answer)
        if "next" not in answer:
            break
        assert hdrs["link"] == f'<{answer["next"]}>; rel="next"'
        status, hdrs, body = lib.request("GET", SERVER.url + answer["next"])
        assert status == 200, body
        answer = json.loads(body)
        pages += 1
    assert seen == list(range(start, start + 5)) and pages == 3, (seen, pages)


def test_cli_prints_the_same():
    out = subprocess.run([SCITT, "query", "statements", "--url", SERVER.url, "--subject", IMAGE, "--json"],
                         check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)
    assert entries(cli) == entries(query(subject=IMAGE)[0])
    out = subprocess.run([SCITT, "query", "statements", "--url", SERVER.url, "--issuer", "https://paged.example",
                          "--limit", "2", "--all"], check=True, capture_output=True, text=True).stdout
    lines = out.strip().split("\n")
    assert len(lines) == 6 and lines[-1].startswith("5 statement(s)"), out
    assert all("issuer https://paged.example" in line for line in lines[:5]), out


def test_bad_parameters_get_problem_details():
    for params in ("limit=abc", "after=-1", "subject=", "subject=" + "x" * 9000):
        status, hdrs, body = lib.request("GET", SERVER.url + "/statements?" + params)
        lib.problem(status, hdrs, body, 400)
    result = subprocess.run([SCITT, "query", "statements", "--url", SERVER.url, "--limit", "0"],
                            capture_output=True, text=True)
    assert result.returncode != 0 and result.stderr.strip(), result


def edges(**params):
    path = "/edges?" + urllib.parse.urlencode(params)
    status, hdrs, body = lib.request("GET", SERVER.url + path)
    assert status == 200, (status, body)
    answer = json.loads(body)
    found = answer["edges"]
    while "next" in answer:  # every page
        status, _, body = lib.request("GET", SERVER.url + answer["next"])
        assert status == 200, body
        answer = json.loads(body)
        found += answer["edges"]
    return found


def test_sboms_become_edges_one_per_asserting_issuer():
    with open(LARAVEL, "rb") as f:
        sbom = f.read()
    first = register(IMAGE, "https://builder.example", SBOM, 0, payload=sbom)
    second = register(IMAGE, "https://auditor.example", SBOM, 0, payload=sbom)
    wait_indexed(second + 1)
    statements = {s["entry"]: s for s in query(issuer="https://builder.example")[0]["statements"]}
    assert statements[first]["format"] == "CycloneDX" and "indexing_error" not in statements[first]
    checks = {c["check"] + ":" + (c.get("node") or c.get("from") or {}).get("purl", ""): c
              for c in LARAVEL_FACTS["spot_checks"]}
    framework = checks["direct_dependency_count:pkg:composer/laravel/framework@v7.30.6"]
    out = edges(node=framework["node"]["purl"], kind="DEPENDS_ON", limit=7)  # several pages
    # Two issuers asserting the same edge are two edges, each with its entry.
    assert sorted(e["entry"] for e in out) == [first] * framework["expected"] + [second] * framework["expected"]
    assert all(e["from"] == framework["node"]["purl"] and e["kind"] == "DEPENDS_ON" for e in out)
    dependents = checks["direct_dependents_count:pkg:composer/voku/portable-ascii@1.6.1"]
    into = edges(node=dependents["node"]["purl"], direction="in", kind="DEPENDS_ON")
    assert len({e["from"] for e in into}) == dependents["expected"] and len(into) == 2 * dependents["expected"]
    # Everything reachable from the root over one document's DEPENDS_ON edges.
    root = LARAVEL_FACTS["subject"]["purl"]
    seen, frontier = set(), [root]
    while frontier:
        node = frontier.pop()
        for e in edges(node=node, kind="DEPENDS_ON", limit=1000):
            if e["entry"] == first and e["to"] not in seen:
                seen.add(e["to"])
                frontier.append(e["to"])
    assert len(seen - {root}) == LARAVEL_FACTS["counts"]["root_reachable_transitively"], len(seen)
    # The statement's subject is what the SBOM describes.
    described = edges(node=IMAGE, kind="DESCRIBES")
    assert {(e["entry"], e["to"]) for e in described} == {(first, root), (second, root)}, described
    out = subprocess.run([SCITT, "query", "edges", "--url", SERVER.url, "--node", dependents["node"]["purl"], "--in",
                          "--kind", "DEPENDS_ON"], check=True, capture_output=True, text=True).stdout
    assert out.strip().split("\n")[-1].startswith("2 edge(s)"), out


def test_blast_radius_reaches_the_image_through_the_sbom_with_its_entries():
    checks = {c["check"] + ":" + (c.get("node") or c.get("from") or {}).get("purl", ""): c
              for c in LARAVEL_FACTS["spot_checks"]}
    leaf = checks["direct_dependents_count:pkg:composer/voku/portable-ascii@1.6.1"]["node"]["purl"]
    root = LARAVEL_FACTS["subject"]["purl"]
    status, _, body = lib.request("GET", SERVER.url + "/dependents?" + urllib.parse.urlencode({"node": leaf}))
    assert status == 200, body
    answer = json.loads(body)
    assert IMAGE in answer["artifacts"] and answer["truncated"] is False, answer["artifacts"]
    reached = {d["node"]: d for d in answer["dependents"]}
    # Breadth first: depths are shortest paths, and the path from the image
    # leads back to the package, one asserted edge (with its entry) per step.
    node, steps = IMAGE, []
    while node != leaf:
        step = reached[node]["via"]
        assert step["from"] == node and step["entry"] in REGISTERED, step
        steps.append(step["kind"])
        node = step["to"]
    assert steps[0] == "DESCRIBES" and reached[IMAGE]["depth"] == len(steps)
    assert root in reached and reached[root]["via"]["kind"] == "DEPENDS_ON"
    # A depth bound keeps the walk short of the image.
    shallow = json.loads(lib.request("GET", SERVER.url + "/dependents?" +
                                     urllib.parse.urlencode({"node": leaf, "depth": 1}))[2])
    assert IMAGE not in shallow["artifacts"] and all(d["depth"] == 1 for d in shallow["dependents"])
    # As of a tree size before the SBOMs were registered: nothing depended on it.
    before = min(e for e, s in REGISTERED.items() if b"laravel" in s)
    pinned = json.loads(lib.request("GET", SERVER.url + "/dependents?" +
                                    urllib.parse.urlencode({"node": leaf, "tree_size": before}))[2])
    assert pinned["tree_size"] == before and pinned["dependents"] == [], pinned
    out = subprocess.run([SCITT, "query", "dependents", "--url", SERVER.url, "--node", leaf],
                         check=True, capture_output=True, text=True).stdout
    assert any(line.startswith(IMAGE + " -DESCRIBES (entry ") and line.endswith(leaf) for line in out.split("\n")), out
    for params in ("", "node=x&depth=0", "node=x&depth=11", "node=x&tree_size=abc"):
        status, hdrs, body = lib.request("GET", SERVER.url + "/dependents?" + params)
        lib.problem(status, hdrs, body, 400)


def test_a_broken_sbom_is_an_indexing_error():
    with open(LARAVEL, "rb") as f:
        truncated = f.read()[:5000]
    entry = register("sha256:" + "99" * 32, "https://broken.example", SBOM, 0, payload=truncated)
    wait_indexed(entry + 1)
    statement = query(issuer="https://broken.example")[0]["statements"][0]
    assert statement["entry"] == entry and statement["indexing_error"], statement
    assert "format" not in statement
    for params in ("", "node=x&direction=sideways", "node=x&limit=abc"):
        status, hdrs, body = lib.request("GET", SERVER.url + "/edges?" + params)
        lib.problem(status, hdrs, body, 400)


def test_kill_9_then_catch_up_and_rebuild_from_the_log():
    before = query(limit=1000)[0]
    graph_before = edges(node=IMAGE)
    assert graph_before
    SERVER.kill()
    SERVER.start()
    late = register(IMAGE, "https://late.example", SBOM, 200)
    wait_indexed(late + 1)
    after = query(limit=1000)[0]
    assert entries(after) == entries(before) + [late], (entries(before), entries(after))
    # Rebuilt from the log alone: the same statements, field for field.
    SERVER.stop()
    for name in os.listdir(SERVER.data):
        if name.startswith("evidence.sqlite"):
            os.remove(os.path.join(SERVER.data, name))
    SERVER.start()
    wait_indexed(late + 1)
    rebuilt = query(limit=1000)[0]
    strip = lambda answer: [{k: v for k, v in s.items() if k != "receipt"} for s in answer["statements"]]
    assert strip(rebuilt) == strip(after)
    assert edges(node=IMAGE) == graph_before


sys.exit(lib.run_module_tests(globals(), WORK, SERVER))
