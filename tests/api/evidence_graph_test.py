#!/usr/bin/python3
"""The evidence graph's queries through the real binary (docs/evidence.md):
a real SBOM for an image, a scanner's finding and two issuers' VEX about
one of its packages; the blast radius of a package over every version and
over a version range; walk answers in pages of one tree size; an image's
dependencies with the facts about them;
what we know about an image (GET /evidence, `scitt query artifact`) with
VEX applied per issuer and as of an earlier tree size; a path from the
image to a vulnerability; statements by registration time; DOT and SVG
pictures; `--verify` that checks every cited entry (and fails on an answer
that lies about one); kill -9 in the middle of indexing, then `scitt index
rebuild --check` (the index matches the log; a tampered edge is found), and
`scitt index rebuild` (refused while the service runs) giving the same answers;
`--check` after a kill -9 writing nothing in the data directory;
an image named by its OCI purl in another's SBOM joining its own graph, purls
in canonical form; a large SBOM stored as it is parsed (and one found broken
after most of its edges were stored, and a kill -9 while they are); an index
derived by another indexer read again.

Usage: evidence_graph_test.py PATH/TO/scitt
"""
import hashlib
import http.server
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
LARAVEL = os.path.join(lib.VECTORS, "evidence", "cyclonedx", "laravel-7.12.0.bom.1.4.json")
LARAVEL_FACTS = json.load(open(os.path.join(lib.VECTORS, "evidence", "cyclonedx", "facts.json")))["laravel-7.12.0.bom.1.4.json"]
WORK = tempfile.mkdtemp(prefix="scitt-graph-")
ISSUER, KEYS = lib.issuer_with_keys(WORK)
IMAGE = "sha256:" + "a1" * 32
OTHER_IMAGE = "sha256:" + "b2" * 32
ROOT = LARAVEL_FACTS["subject"]["purl"]
PACKAGE = "pkg:composer/voku/portable-ascii@1.6.1"
CVE = "CVE-2026-4242"
SUPPLIER, SCANNER, STRANGER = "https://supplier.example", "https://scanner.example", "https://stranger.example"
CDX, OPENVEX = "application/vnd.cyclonedx+json", "application/openvex+json"

SERVER = lib.Server(SCITT, WORK, "graph", "--issuer-keys", KEYS, "--rate-limit", "0",
                    "--max-statement-bytes", str(4 << 20))
ENTRIES = {}


def register(subject, issuer, content_type, payload):
    return lib.register(SERVER, ISSUER, subject, issuer, content_type, payload)[0]


def get(route, **params):
    status, hdrs, body = lib.request("GET", SERVER.url + route + "?" + urllib.parse.urlencode(params))
    assert status == 200, (route, params, status, body)
    assert hdrs["content-type"] == "application/json"
    return json.loads(body)


def wait_indexed(size):
    lib.wait_indexed(SERVER, size)


def cli(*args, check=True):
    result = subprocess.run([SCITT, "query", *args, "--url", SERVER.url], capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result
    return result


def finding(cve, purl):
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                       "vulnerabilities": [{"id": cve, "ratings": [{"severity": "high"}],
                                            "affects": [{"ref": purl}]}]}).encode()


def vex(author, status, purl, cve):
    statement = {"vulnerability": {"name": cve}, "products": [{"@id": purl}], "status": status}
    if status == "not_affected":
        statement["justification"] = "vulnerable_code_not_in_execute_path"
    return json.dumps({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example/vex/" + status,
                       "author": author, "timestamp": "2026-12-05T10:00:00Z", "version": 1,
                       "statements": [statement]}).encode()


def test_setup_a_real_sbom_a_finding_and_vex_from_two_issuers():
    with open(LARAVEL, "rb") as f:
        ENTRIES["sbom"] = register(IMAGE, SUPPLIER, CDX, f.read())
    older = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                        "metadata": {"component": {"bom-ref": "app", "name": "old", "purl": "pkg:composer/acme/old@1"}},
                        "components": [{"bom-ref": "pa", "name": "portable-ascii",
                                        "purl": "pkg:composer/voku/portable-ascii@1.4.0"}],
                        "dependencies": [{"ref": "app", "dependsOn": ["pa"]}]}).encode()
    ENTRIES["other_sbom"] = register(OTHER_IMAGE, SUPPLIER, CDX, older)
    ENTRIES["finding"] = register(IMAGE, SCANNER, CDX, finding(CVE, PACKAGE))
    ENTRIES["stranger_vex"] = register(PACKAGE, STRANGER, OPENVEX, vex(STRANGER, "not_affected", PACKAGE, CVE))
    ENTRIES["supplier_vex"] = register(PACKAGE, SUPPLIER, OPENVEX, vex(SUPPLIER, "fixed", PACKAGE, CVE))
    wait_indexed(ENTRIES["supplier_vex"] + 1)
    statement = get("/statements", subject=IMAGE)["statements"][0]
    assert statement["format"] == "CycloneDX", statement


def test_blast_radius_over_every_version_and_a_range():
    every = get("/dependents", node="pkg:composer/voku/portable-ascii")
    assert every["versions"] == ["pkg:composer/voku/portable-ascii@1.4.0", PACKAGE], every["versions"]
    assert sorted(every["artifacts"]) == sorted([IMAGE, OTHER_IMAGE]), every["artifacts"]
    ranged = get("/dependents", node="pkg:composer/voku/portable-ascii", range="vers:composer/>=1.5.0|<2")
    assert ranged["versions"] == [PACKAGE] and ranged["artifacts"] == [IMAGE], ranged
    assert get("/dependents", node="pkg:composer/voku/portable-ascii", range="<1.0")["artifacts"] == []
    # The CLI prints each artifact's path back to the matched version.
    out = cli("dependents", "--node", "pkg:composer/voku/portable-ascii", "--range", ">=1.5.0").stdout
    assert any(line.startswith(IMAGE + " -DESCRIBES") and line.endswith(PACKAGE) for line in out.split("\n")), out
    status, hdrs, body = lib.request("GET", SERVER.url + "/dependents?node=pkg:x/y&range=~>1.0")
    lib.problem(status, hdrs, body, 400)


def test_walk_answers_come_in_pages_of_one_tree_size():
    full = get("/dependents", node=PACKAGE)
    assert full["reached"] == len(full["dependents"]) > 2 and "next" not in full, full
    nodes, artifacts, path = [], None, "/dependents?" + urllib.parse.urlencode({"node": PACKAGE, "limit": 2})
    while path:
        status, hdrs, body = lib.request("GET", SERVER.url + path)
        assert status == 200, body
        page = json.loads(body)
        assert page["tree_size"] == full["tree_size"] and page["reached"] == full["reached"], page
        assert len(page["dependents"]) <= 2
        nodes += [d["node"] for d in page["dependents"]]
        # Every page names every artifact the walk reached, not only its own.
        assert page["artifacts"] == full["artifacts"], page
        path = page.get("next")
        if path:
            assert f"tree_size={full['tree_size']}" in path and hdrs["link"] == f'<{path}>; rel="next"', (path, hdrs)
    assert nodes == [d["node"] for d in full["dependents"]]
    # Dependencies page the same way, each page with the facts of its own nodes.
    first = get("/dependencies", node=IMAGE, limit=1)
    assert len(first["dependencies"]) == 1 and first["reached"] > 1 and "after=1" in first["next"], first
    status, hdrs, body = lib.request("GET", SERVER.url + "/dependents?node=pkg:x/y@1&limit=x")
    lib.problem(status, hdrs, body, 400)


def test_dependencies_carry_the_facts_about_each_package():
    answer = get("/dependencies", node=IMAGE)
    reached = {d["node"]: d for d in answer["dependencies"]}
    assert reached[ROOT]["depth"] == 1 and reached[ROOT]["via"]["kind"] == "DESCRIBES"
    assert PACKAGE in reached and reached[PACKAGE]["via"]["entry"] == ENTRIES["sbom"]
    assert len(reached) == LARAVEL_FACTS["counts"]["root_reachable_transitively"] + 1, len(reached)
    kinds = sorted((f["kind"], f["entry"], f["issuer"]) for f in answer["facts"] if f["to"] == CVE)
    assert kinds == sorted([("VULNERABLE_TO", ENTRIES["finding"], SCANNER),
                            ("VEX_STATUS", ENTRIES["stranger_vex"], STRANGER),
                            ("VEX_STATUS", ENTRIES["supplier_vex"], SUPPLIER)]), kinds


def vulnerability(answer):
    [found] = [v for v in answer["vulnerabilities"] if v["id"] == CVE]
    return found


def test_what_we_know_about_an_image_with_vex_per_issuer_and_as_of():
    answer = get("/evidence", subject=IMAGE)
    assert [s["entry"] for s in answer["statements"]] == [ENTRIES["sbom"], ENTRIES["finding"]]
    assert answer["evidence"]["by_issuer"] == {SUPPLIER: 1, SCANNER: 1}, answer["evidence"]
    assert {p["purl"] for p in answer["packages"]} >= {ROOT, PACKAGE}
    found = vulnerability(answer)
    assert found["status_by_issuer"] == {STRANGER: "not_affected", SUPPLIER: "fixed"}, found
    assert found["open"] is False and answer["vex_issuers"] == "*"
    assert [f["entry"] for f in found["findings"]] == [ENTRIES["finding"]]
    # Only the scanner's word counts: nobody it trusts closed the finding.
    assert vulnerability(get("/evidence", subject=IMAGE, vex_issuer=SCANNER))["open"] is True
    assert vulnerability(get("/evidence", subject=IMAGE, vex_issuer=SUPPLIER + "," + SCANNER))["open"] is False
    # Who knew what, when: before the supplier's VEX only a stranger had spoken.
    then = get("/evidence", subject=IMAGE, vex_issuer=SUPPLIER, tree_size=ENTRIES["supplier_vex"])
    assert then["tree_size"] == ENTRIES["supplier_vex"] and vulnerability(then)["open"] is True
    assert vulnerability(then)["status_by_issuer"] == {STRANGER: "not_affected"}
    # Named with its repository, the image is the same node of the graph.
    named = get("/evidence", subject="demo/app@" + IMAGE)
    assert {p["purl"] for p in named["packages"]} == {p["purl"] for p in answer["packages"]}
    out = cli("artifact", IMAGE, "--vex-issuer", SCANNER).stdout
    assert "vulnerabilities: 1 (1 open after VEX from " + SCANNER + ")" in out, out
    assert CVE + "  open" in out and "packages: " in out, out
    # Licences: laravel's components give MIT, BSD-3-Clause and Apache-2.0 by id.
    licensed = {(edge["from"], edge["to"]) for edge in answer["licenses"]}
    assert {to for _, to in licensed} <= {"license:MIT", "license:BSD-3-Clause", "license:Apache-2.0"}, licensed
    mit = {node for node, to in licensed if to == "license:MIT"}
    # (A package both SBOMs list has both entries' licences: who said what.)
    assert mit and {edge["entry"] for edge in answer["licenses"]} <= {ENTRIES["sbom"], ENTRIES["other_sbom"]}
    assert f"\n  MIT  ({len(mit)})\n" in out, out


def test_a_path_from_the_image_to_the_vulnerability():
    answer = get("/path", **{"from": IMAGE, "to": CVE})
    assert answer["found"] is True
    path = answer["path"]
    assert path[0]["from"] == IMAGE and path[-1]["to"] == CVE and path[-1]["entry"] == ENTRIES["finding"], path
    assert all(a["to"] == b["from"] for a, b in zip(path, path[1:]))
    assert get("/path", **{"from": CVE, "to": IMAGE})["found"] is False
    none = cli("path", "--from", CVE, "--to", IMAGE, check=False)
    assert none.returncode == 1 and "no path" in none.stdout, none


def test_statements_by_registration_time():
    everything = get("/statements", limit=1000)["statements"]
    first = everything[0]["registered_at"]
    assert [s["entry"] for s in get("/statements", since=first, limit=1000)["statements"]] == \
        [s["entry"] for s in everything]
    assert get("/statements", until=first)["statements"] == []
    status, hdrs, body = lib.request("GET", SERVER.url + "/statements?since=yesterday")
    lib.problem(status, hdrs, body, 400)


def test_dot_and_svg_pictures():
    dot = cli("graph", "--node", PACKAGE, "--depth", "10").stdout
    assert dot.startswith("digraph evidence {") and f'"{IMAGE}"' in dot and f'"{CVE}"' in dot, dot[:500]
    assert "VULNERABLE_TO #" + str(ENTRIES["finding"]) in dot
    svg_file = os.path.join(WORK, "graph.svg")
    cli("graph", "--node", PACKAGE, "--depth", "10", "--format", "svg", "-o", svg_file)
    with open(svg_file) as f:
        svg = f.read()
    # Graphviz writes "-" in text as "&#45;".
    assert "<svg" in svg and CVE.replace("-", "&#45;") in svg, svg[:300]


class LyingProxy(http.server.BaseHTTPRequestHandler):
    """Forwards to the service, but says an edge of /dependencies goes
    somewhere its statement never said."""

    def do_GET(self):
        with urllib.request.urlopen(SERVER.url + self.path) as upstream:
            body, status, ctype = upstream.read(), upstream.status, upstream.headers["Content-Type"]
        if self.path.startswith("/dependencies"):
            answer = json.loads(body)
            answer["dependencies"][0]["via"]["to"] = "pkg:composer/evil/package@6.6.6"
            body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_verify_checks_every_cited_entry_and_catches_a_lie():
    out = cli("dependencies", "--node", IMAGE, "--verify").stdout
    # The SBOM, the finding and both VEX documents back this answer.
    assert "verify: 4 entries, each receipt verified" in out, out
    out = cli("artifact", IMAGE, "--verify").stdout
    assert "verify: " in out and "entries, each receipt verified" in out, out
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), LyingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        result = subprocess.run([SCITT, "query", "dependencies", "--node", IMAGE, "--verify", "--url",
                                 f"http://127.0.0.1:{proxy.server_address[1]}"], capture_output=True, text=True)
    finally:
        proxy.shutdown()
    assert result.returncode == 1, result
    assert f"entry {ENTRIES['sbom']}: its statement does not assert" in result.stderr, result.stderr


def answers():
    return (get("/evidence", subject=IMAGE), get("/dependents", node="pkg:composer/voku/portable-ascii"),
            get("/statements", limit=1000)["statements"])


def test_kill_9_mid_indexing_then_rebuild_gives_the_same_answers():
    with open(LARAVEL, "rb") as f:
        sbom = f.read()
    last = None
    for i in range(8):  # the indexer is busy with these when the service dies
        last = register("sha256:%064x" % (0xc0ffee + i), "https://burst.example", CDX, sbom)
    SERVER.kill()
    SERVER.start()
    wait_indexed(last + 1)
    caught_up = answers()
    assert len(get("/statements", issuer="https://burst.example")["statements"]) == 8
    refused = subprocess.run([SCITT, "index", "rebuild", "--data", SERVER.data], capture_output=True, text=True)
    assert refused.returncode != 0 and refused.stderr.strip(), refused
    SERVER.stop()
    # The auditor's question first: would the log alone give this index?
    checked = subprocess.run([SCITT, "index", "rebuild", "--check", "--data", SERVER.data],
                             capture_output=True, text=True)
    assert checked.returncode == 0 and "index matches the log" in checked.stdout, checked
    index = os.path.join(SERVER.data, "evidence.sqlite")
    db = sqlite3.connect(index)  # an edge the log never asserted
    db.execute("UPDATE edges SET to_id = 'pkg:composer/evil/package@6.6.6' WHERE position = 7")
    db.commit()
    db.close()
    checked = subprocess.run([SCITT, "index", "rebuild", "--check", "--data", SERVER.data],
                             capture_output=True, text=True)
    assert checked.returncode == 1 and "1 only in the index, 1 only in the rebuild" in checked.stdout, checked
    assert "index DIFFERS from the log" in checked.stdout
    rebuilt = subprocess.run([SCITT, "index", "rebuild", "--data", SERVER.data], capture_output=True, text=True)
    assert rebuilt.returncode == 0, rebuilt
    assert f"entries:     {last + 1} read from the log" in rebuilt.stdout, rebuilt.stdout
    assert not any(name.endswith(".rebuild") for name in os.listdir(SERVER.data))
    SERVER.start()
    again = answers()
    strip = lambda statements: [{k: v for k, v in s.items() if k != "receipt"} for s in statements]
    for before, after in zip(caught_up[:2], again[:2]):
        before.pop("statements", None), after.pop("statements", None)
        assert before == after
    assert strip(caught_up[2]) == strip(again[2])


def data_directory_files():
    """Every file of the data directory: its size, modification time and hash."""
    files = {}
    for root, _, names in os.walk(SERVER.data):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                content = f.read()
            files[os.path.relpath(path, SERVER.data)] = (len(content), os.stat(path).st_mtime_ns,
                                                         hashlib.sha256(content).hexdigest())
    return files


def test_the_check_writes_nothing_in_the_data_directory():
    """`index rebuild --check` is an audit: after a kill -9, with frames in
    the WALs of the evidence index and the registry, it reads what the
    service would recover (through private copies) and leaves every file
    of the data directory as it was, byte for byte. A plain rebuild then
    leaves the registry's files as they were."""
    lib.push_image(SERVER, "audit/app", "v1", b'{"audit": 1}')  # records in the registry's write-ahead logs
    with open(LARAVEL, "rb") as f:
        last = register("sha256:%064x" % 0xa0d17, "https://audit.example", CDX, f.read())
    wait_indexed(last + 1)
    SERVER.kill()
    before = data_directory_files()
    assert before.get("evidence.sqlite-wal", (0,))[0] > 0, sorted(before)
    checked = subprocess.run([SCITT, "index", "rebuild", "--check", "--data", SERVER.data],
                             capture_output=True, text=True)
    assert checked.returncode == 0 and "index matches the log" in checked.stdout, checked
    assert f"entries:     {last + 1} read from the log" in checked.stdout, checked.stdout
    assert data_directory_files() == before
    # A rebuild replaces the index, and only reads the registry's files.
    rebuilt = subprocess.run([SCITT, "index", "rebuild", "--data", SERVER.data], capture_output=True, text=True)
    assert rebuilt.returncode == 0, rebuilt

    def registry_files(files):
        return {name: facts for name, facts in files.items() if name.startswith(("registry", "blobs"))}
    # The push's records are still in registry.kv's write-ahead log.
    assert any(name.startswith("registry.kv/") and name.endswith(".log") and facts[0] > 0
               for name, facts in before.items()), sorted(before)
    assert registry_files(data_directory_files()) == registry_files(before)
    SERVER.start()
    assert get("/statements", issuer="https://audit.example")["statements"]


def test_an_image_named_by_its_oci_purl_joins_its_own_sbom():
    base, derived = "sha256:" + "ba" * 32, "sha256:" + "de" * 32
    base_sbom = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                            "metadata": {"component": {"bom-ref": "os", "name": "debian",
                                                       "purl": "pkg:oci/debian@" + base}},
                            "components": [{"bom-ref": "ssl", "name": "openssl",
                                            "purl": "pkg:deb/debian/OpenSSL@3.0.11?arch=amd64"}],
                            "dependencies": [{"ref": "os", "dependsOn": ["ssl"]}]}).encode()
    # The derived image's SBOM names its base by a purl spelled otherwise
    # (an encoded ':' and qualifiers), and one npm package two ways.
    derived_sbom = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                               "metadata": {"component": {"bom-ref": "app", "name": "app",
                                                          "purl": "pkg:npm/%40acme/app@2.0.0"}},
                               "components": [{"bom-ref": "base", "name": "debian",
                                               "purl": "pkg:oci/Debian@" + base.replace(":", "%3A") +
                                                       "?repository_url=registry.example/debian&arch=amd64"}],
                               "dependencies": [{"ref": "app", "dependsOn": ["base"]}]}).encode()
    register(base, SUPPLIER, CDX, base_sbom)
    last = register(derived, SUPPLIER, CDX, derived_sbom)
    wait_indexed(last + 1)
    blast = get("/dependents", node="pkg:deb/debian/openssl@3.0.11?arch=amd64")
    assert sorted(blast["artifacts"]) == sorted([base, derived]), blast
    via = {d["node"]: d["via"] for d in blast["dependents"]}
    purl = "pkg:oci/debian@" + base + "?arch=amd64&repository_url=registry.example%2Fdebian"
    assert via[purl]["kind"] == "IDENTIFIES" and via[purl]["to"] == base, via
    # A purl is looked up in its canonical form, however it is written.
    assert get("/dependencies", node="pkg:npm/@acme/app@2.0.0")["reached"] == 4
    path = get("/path", **{"from": derived, "to": "pkg:deb/debian/OpenSSL@3.0.11?arch=amd64"})
    assert [e["kind"] for e in path["path"]] == ["DESCRIBES", "DEPENDS_ON", "IDENTIFIES", "DESCRIBES", "DEPENDS_ON"], path


def big_sbom(name, components, broken=False):
    """A CycloneDX SBOM whose edges (a CONTAINS and a DEPENDS_ON per component)
    are many more than the indexer's batch (GraphParts::edges_per_batch), with
    an OCI image among them; broken: its last member is wrong, so that the
    parser fails after it has handed over most of its edges."""
    purl = lambda i: "pkg:npm/%s-%d@1.0.0" % (name, i)
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
           "metadata": {"component": {"bom-ref": "root", "type": "application", "name": name, "purl": purl(0)}},
           "components": [{"bom-ref": "c%d" % i, "type": "library", "name": "%s-%d" % (name, i), "purl": purl(i)}
                          for i in range(1, components)]
           + [{"bom-ref": "img", "type": "container", "name": "base", "purl": "pkg:oci/base@sha256:" + "c3" * 32}],
           "dependencies": [{"ref": "root", "dependsOn": ["c%d" % i for i in range(1, components)] + ["img"]}]}
    if broken:
        bom["vulnerabilities"] = [{"id": 5}]
    return json.dumps(bom, separators=(",", ":")).encode(), purl(0)


def all_edges(**params):
    edges, query = [], {**params, "limit": 1000}
    while query:
        page = get("/edges", **query)
        edges += page["edges"]
        query = page.get("next") and {**dict(urllib.parse.parse_qsl(page["next"].split("?")[1])), "limit": 1000}
    return edges


def test_a_large_sbom_is_stored_as_it_is_parsed():
    components = 12000  # 24,002 edges: the indexer stores them in batches of 8,192
    good, root = big_sbom("big", components)
    broken, broken_root = big_sbom("broken", components, broken=True)
    first = register("sha256:" + "d4" * 32, SUPPLIER, CDX, good)
    second = register("sha256:" + "d5" * 32, SUPPLIER, CDX, broken)
    small = register("sha256:" + "d6" * 32, SUPPLIER, CDX, finding("CVE-2026-0001", "pkg:npm/small@1.0.0"))
    wait_indexed(small + 1)
    depends = all_edges(node=root, kind="DEPENDS_ON")
    assert len(depends) == components, len(depends)
    assert {e["entry"] for e in depends} == {first}
    assert len({e["to"] for e in depends}) == components
    identifies = get("/edges", node="pkg:oci/base@sha256:" + "c3" * 32, kind="IDENTIFIES")["edges"]
    assert [e["entry"] for e in identifies] == [first], identifies
    # The broken one: an indexing error, and none of the edges stored before
    # its parser found the fault.
    statements = {s["entry"]: s for s in get("/statements", issuer=SUPPLIER, limit=1000)["statements"]}
    assert statements[first]["format"] == "CycloneDX" and "indexing_error" not in statements[first]
    assert "vulnerabilities[0].id" in statements[second]["indexing_error"], statements[second]
    assert get("/edges", node=broken_root)["edges"] == []
    assert get("/edges", node="CVE-2026-0001", direction="in")["edges"]
    # Killed while the indexer is storing a large one's batches: after the
    # restart its edges are there once, as a rebuild from the log gives them.
    last = None
    for i in range(3):
        last = register("sha256:%064x" % (0xb16 + i), SUPPLIER, CDX, big_sbom("again%d" % i, components)[0])
    SERVER.kill()
    SERVER.start()
    wait_indexed(last + 1)
    for i in range(3):
        assert len(all_edges(node=big_sbom("again%d" % i, 2)[1], kind="DEPENDS_ON")) == components
    SERVER.stop()
    checked = subprocess.run([SCITT, "index", "rebuild", "--check", "--data", SERVER.data],
                             capture_output=True, text=True)
    assert checked.returncode == 0 and "index matches the log" in checked.stdout, checked
    SERVER.start()


def test_an_index_derived_otherwise_is_read_again_from_the_log():
    before = answers()
    SERVER.stop()
    db = sqlite3.connect(os.path.join(SERVER.data, "evidence.sqlite"))
    derivation = db.execute("SELECT derivation FROM indexed").fetchone()[0]
    assert derivation.startswith("scitt-evidence/"), derivation
    db.execute("UPDATE indexed SET derivation = 'scitt-evidence/1'")
    db.execute("DELETE FROM edges WHERE kind = 'IDENTIFIES'")  # what that indexer did not derive
    db.commit()
    db.close()
    SERVER.start()
    wait_indexed(before[0]["tree_size"])
    after = answers()
    strip = lambda statements: [{k: v for k, v in s.items() if k != "receipt"} for s in statements]
    for was, now in zip(before[:2], after[:2]):
        was.pop("statements", None), now.pop("statements", None)
        assert was == now
    assert strip(before[2]) == strip(after[2])
    assert get("/edges", node="sha256:" + "ba" * 32, direction="in", kind="IDENTIFIES")["edges"]
    SERVER.stop()
    db = sqlite3.connect(os.path.join(SERVER.data, "evidence.sqlite"))
    assert db.execute("SELECT derivation FROM indexed").fetchone()[0] == derivation
    db.close()


sys.exit(lib.run_module_tests(globals(), WORK, SERVER))
