#!/usr/bin/python3
"""End-to-end tests of how `scitt serve` is put together, through the real
binary on loopback: start-up on port 0, blocking work kept off the HTTP I/O
threads, bounded bulk reads, and the operator's log lines.

Usage: serve_e2e_test.py PATH/TO/scitt
"""
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

import cbor2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-serve-")
ISSUER = lib.Issuer()


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


KEYS = write("issuer-keys.json", json.dumps(ISSUER.jwks()))


def post(url, statement):
    return lib.request("POST", url + "/entries", statement, {"Content-Type": "application/cose"}, timeout=120)


def test_every_setting_is_documented():
    """Each flag `scitt serve --help` lists has its row in docs/configuration.md."""
    help_text = subprocess.run([SCITT, "serve", "--help"], capture_output=True, text=True).stdout
    flags = set(re.findall(r"^\s+--([a-z0-9-]+)", help_text, re.M)) - {"help"}
    assert "registry-workers" in flags and len(flags) > 40, sorted(flags)
    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "configuration.md")
    with open(docs) as f:
        text = f.read()
    rows = set()  # a row's first cell names one setting or several ("`tls-cert`, `tls-key`")
    for cell in re.findall(r"^\| ([^|]+) \|", text, re.M):
        rows.update(re.findall(r"`([a-z0-9-]+)`", cell))
    assert "`--config FILE`" in text  # the file of settings itself, described before the table
    missing = sorted(flags - rows - {"config"})
    assert missing == [], f"settings without a row in docs/configuration.md: {missing}"


def test_port_zero_names_the_bound_port():
    """Issue 9 #5: with --listen 127.0.0.1:0 the URL, the origin, the
    checkpoint and every receipt name the port actually bound, never 0."""
    data = os.path.join(WORK, "port0-data")
    proc = subprocess.Popen([SCITT, "serve", "--listen", "127.0.0.1:0", "--data", data, "--issuer-keys", KEYS],
                            cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        banner = proc.stdout.readline().strip()
        m = re.fullmatch(r"scitt serving http://127\.0\.0\.1:(\d+)", banner)
        assert m and m.group(1) != "0", banner
        port = m.group(1)
        url = f"http://127.0.0.1:{port}"
        origin = proc.stdout.readline().split(":", 1)[1].strip()
        assert origin == f"127.0.0.1:{port}", origin
        status, _, receipt = post(url, ISSUER.sign("pkg:demo/port0@1", b"{}"))
        assert status == 201, status
        protected = cbor2.loads(cbor2.loads(receipt).value[0] if isinstance(cbor2.loads(receipt), cbor2.CBORTag)
                                else cbor2.loads(receipt)[0])
        assert protected[15][1] == url and protected[15][2] == origin, protected[15]
        note = lib.request("GET", url + "/checkpoint")[2].decode()
        assert note.split("\n", 1)[0] == origin, note
        # The service statements were signed with the real URL as issuer too.
        first = cbor2.loads(lib.entries(url)[0]["statement"])
        assert cbor2.loads(first.value[0])[15][1] == url
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def slow_policy():
    # An allocation-free loop: a registration check that holds a thread for a
    # while (Date is removed from policy scripts, so it counts iterations).
    return write("slow-policy.json", json.dumps({"script": (
        "function apply(phdr, uhdr, payload, details) {"
        "  if (phdr.cwt.sub.indexOf('slow') < 0) return true;"
        "  var x = 0; for (var i = 0; i < 1000000000; i++) { x = x + 1; } return x > 0; }")}))


def test_reads_are_answered_while_a_slow_check_runs():
    """Issue 9 #3: registration checks (a policy script) and store reads run
    on worker pools, never on the HTTP I/O thread: with one I/O thread, a read
    sent after a slow registration is answered before it. Order, not time."""
    server = lib.Server(SCITT, WORK, "slow", "--issuer-keys", KEYS, "--policy", slow_policy(),
                        "--threads", "1", "--rate-limit", "0")
    try:
        assert post(server.url, ISSUER.sign("pkg:demo/fast@1", b"{}"))[0] == 201
        statement = ISSUER.sign("pkg:demo/slow@1", b"{}")
        slow = socket.create_connection(("127.0.0.1", server.port))
        slow.sendall(b"POST /entries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/cose\r\n"
                     b"Content-Length: " + str(len(statement)).encode() + b"\r\n\r\n" + statement)
        time.sleep(0.3)  # the slow request is read and its check started
        for path in ["/entries?from=0", "/entries/0", "/tree-heads", "/checkpoint", "/health"]:
            status = lib.request("GET", server.url + path, timeout=120)[0]
            assert status == 200, (path, status)
        # The slow registration's answer has not arrived, nor does it right
        # after: the reads did not wait for it (on one I/O thread doing the
        # check itself, its answer and the first read's leave together).
        readable, _, _ = select.select([slow], [], [], 0.5)
        assert not readable, "the reads were answered only after the slow registration"
        slow.settimeout(300)
        answer = slow.recv(65536)
        assert answer.startswith(b"HTTP/1.1 201"), answer[:100]
        slow.close()
    finally:
        server.stop()


def test_entries_pages_are_bounded_in_bytes_and_never_wrap():
    """Issue 10 #2 and #6: GET /entries answers at most --max-page-bytes of
    statements (at least one entry), and paging near 2^64 does not wrap."""
    server = lib.Server(SCITT, WORK, "pages", "--issuer-keys", KEYS, "--max-page-bytes", "300000",
                        "--rate-limit", "0")
    try:
        for i in range(5):
            status = post(server.url, ISSUER.sign(f"pkg:demo/big{i}@1", bytes([i]) * 100000))[0]
            assert status == 201, status
        status, _, body = lib.request("GET", server.url + "/entries?from=2&limit=1000")
        doc = cbor2.loads(body)
        assert status == 200 and len(doc["entries"]) == 2 and doc["next"] == 4, (len(doc["entries"]), doc.get("next"))
        assert len(body) < 300000 + 4096, len(body)
        # Every entry is reached by following "next".
        assert [e["index"] for e in lib.entries(server.url)] == list(range(7))
        for start in ["18446744073709551611", "9223372036854775808", "7"]:
            status, _, body = lib.request("GET", server.url + f"/entries?from={start}&limit=10")
            doc = cbor2.loads(body)
            assert status == 200 and doc == {"entries": []}, (start, doc)
        lib.problem(*lib.request("GET", server.url + "/entries?from=18446744073709551616"), 400)
        lib.problem(*lib.request("GET", server.url + "/entries?from=-1"), 400)
    finally:
        server.stop()


def test_access_log_lines():
    """Issue 9: one access-log line per request with the entry it concerned;
    --log-format json lines all parse, even for hostile paths."""
    data = os.path.join(WORK, "log-data")
    proc = subprocess.Popen([SCITT, "serve", "--listen", "127.0.0.1:0", "--data", data, "--issuer-keys", KEYS,
                             "--log-format", "json"],
                            cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip().split(" ")[-1]
        assert post(url, ISSUER.sign("pkg:demo/logged@1", b"{}"))[0] == 201
        assert lib.request("GET", url + "/entries/%ff%fe")[0] == 404
        assert lib.request("GET", url + "/entries/2", headers={"Authorization": "Bearer secret-never-logged"})[0] == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    lines = [json.loads(line) for line in proc.stderr.read().splitlines()]
    requests = [line for line in lines if line["msg"] == "request"]
    assert len(requests) == 3, requests
    post_line, bad_line, get_line = requests
    assert post_line["method"] == "POST" and post_line["status"] == 201 and post_line["entry"] == "2", post_line
    assert isinstance(post_line["ms"], (int, float)) and post_line["bytes"] > 0
    assert bad_line["status"] == 404 and bad_line["path"] == "/entries/%ff%fe", bad_line
    assert get_line["entry"] == "2"
    assert "secret-never-logged" not in json.dumps(lines)
    assert [line["msg"] for line in lines if line["msg"] != "request"] == ["serving", "stopping", "stopped"], lines


def main():
    return lib.run_tests([
        ("access log lines", test_access_log_lines),
        ("every setting documented", test_every_setting_is_documented),
        ("port 0 names the bound port", test_port_zero_names_the_bound_port),
        ("reads answered while a slow check runs", test_reads_are_answered_while_a_slow_check_runs),
        ("entries pages bounded and never wrap", test_entries_pages_are_bounded_in_bytes_and_never_wrap),
    ], WORK)


if __name__ == "__main__":
    sys.exit(main())
