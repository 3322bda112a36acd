#!/usr/bin/python3
"""The evidence index through the real binary (docs/api.md "Evidence"):
statements registered by POST /entries are indexed from the log by subject
(an OCI digest also finds name@digest), issuer and payload content type;
GET /statements pages through them with their receipts, which verify; the
answer names the tree size it reflects; `scitt query statements` prints the
same; bad parameters get problem details; after a kill -9 the index catches
up, and an index deleted and rebuilt from the log answers the same.

Usage: statements_query_test.py PATH/TO/scitt
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-statements-")
ISSUER = lib.Issuer()
KEYS = os.path.join(WORK, "issuer-keys.json")
with open(KEYS, "w") as f:
    json.dump(ISSUER.jwks(), f)
IMAGE = "sha256:" + "ab" * 32
SBOM = "application/vnd.cyclonedx+json"
SARIF = "application/sarif+json"

SERVER = lib.Server(SCITT, WORK, "index", "--issuer-keys", KEYS)
REGISTERED = {}  # entry index -> the statement as signed


def register(subject, issuer, content_type, seed):
    statement = ISSUER.sign(subject, json.dumps({"seed": seed}).encode(), issuer=issuer, content_type=content_type)
    status, _, body = lib.request("POST", SERVER.url + "/entries", statement, {"Content-Type": "application/cose"})
    assert status == 201, (status, body)
    _, index, _ = lib.verify_receipt(SERVER.url, body, lib.registered_form(statement))
    REGISTERED[index] = statement
    return index


def query(**params):
    path = "/statements?" + urllib.parse.urlencode(params)
    status, hdrs, body = lib.request("GET", SERVER.url + path)
    assert status == 200, (status, body)
    assert hdrs["content-type"] == "application/json"
    return json.loads(body), hdrs


def wait_indexed(size, seconds=10):
    deadline = time.time() + seconds
    while query()[0]["tree_size"] < size:
        assert time.time() < deadline, f"the index did not reach {size}"
        time.sleep(0.05)


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


def test_kill_9_then_catch_up_and_rebuild_from_the_log():
    before = query(limit=1000)[0]
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


sys.exit(lib.run_module_tests(globals(), WORK, SERVER))
