#!/usr/bin/python3
"""End-to-end tests of `scitt serve` and the client verbs, through the real
binary over real HTTP on loopback.

Independent checks use Debian's cbor2 and cryptography and a Merkle verifier
written here from RFC 9162, so the service is not only checked against its
own code.

Usage: service_e2e_test.py PATH/TO/scitt
"""
import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-e2e-")


# ---------------------------------------------------------------- helpers

def run(*args, expect=0, stdin=None):
    proc = subprocess.run([SCITT, *args], cwd=WORK, capture_output=True, text=True, input=stdin, timeout=120)
    if expect is not None and proc.returncode != expect:
        raise AssertionError(f"scitt {' '.join(args)}: exit {proc.returncode}, want {expect}\n"
                             f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}")
    return proc


free_port = lib.free_port
request = lib.request
problem = lib.problem


def Server(name, *flags, data=None):
    return lib.Server(SCITT, WORK, name, *flags, data=data)


def post_statement(server, statement, headers=None):
    h = {"Content-Type": "application/cose"}
    h.update(headers or {})
    return request("POST", server.url + "/entries", statement, h)


def read(path):
    with open(os.path.join(WORK, path), "rb") as f:
        return f.read()


def write(path, data):
    with open(os.path.join(WORK, path), "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def sign(key, out, subject="pkg:demo/app@1.0", issuer="https://issuer.example", extra=()):
    write("artifact.json", '{"name":"demo"}\n')
    run("statement", "sign", "--key", key, "--issuer", issuer, "--subject", subject,
        "--content-type", "application/json", "--out", out, *extra, "artifact.json")
    return read(out)


leaf_hash = lib.leaf_hash
mth = lib.mth
root_from_consistency = lib.root_from_consistency
registered_form = lib.registered_form


def service_key(server):
    return lib.service_key(server.url)


def verify_receipt(server, receipt, registered_statement):
    return lib.verify_receipt(server.url, receipt, registered_statement)


def all_entries(server):
    return lib.entries(server.url)


def checkpoint(server):
    return lib.checkpoint(server.url)


# ---------------------------------------------------------------- fixtures

def make_keys():
    run("key", "generate", "--alg", "EdDSA", "--out", "issuer.pem")
    run("key", "export", "issuer.pem", "--format", "jwk", "--out", "issuer.jwk")
    jwk = json.loads(read("issuer.jwk"))
    write("issuer-keys.json", json.dumps({"keys": [jwk]}))
    run("key", "generate", "--alg", "ES256", "--out", "stranger.pem")
    # An X.509 issuer: a CA and a code-signing leaf.
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=WORK, check=True, capture_output=True)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-subj", "/CN=E2E Root CA", "-days", "30",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=keyCertSign")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key",
            "-out", "leaf.csr", "-subj", "/CN=E2E Issuer")
    write("leaf.ext", "extendedKeyUsage=codeSigning\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "leaf.pem", "-days", "10", "-extfile", "leaf.ext")
    write("chain.pem", read("leaf.pem") + read("ca.pem"))
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            "other.key", "-out", "other-ca.pem", "-subj", "/CN=Other CA", "-days", "30")
    write("other-chain.pem", read("other-ca.pem"))


# ---------------------------------------------------------------- tests

def test_register_kid_and_verify_offline(main):
    statement = sign("issuer.pem", "kid.cose")
    run("register", "kid.cose", "--url", main.url, "--out", "kid.ts.cose", "--receipt-out", "kid.receipt")
    size, index, root = verify_receipt(main, read("kid.receipt"), registered_form(statement))
    run("keys", "fetch", "--url", main.url, "--out", "service-keys.cbor")
    out = run("verify", "kid.ts.cose", "--service-key", "service-keys.cbor", "--issuer-key", "issuer.jwk").stdout
    assert "PASS receipt 1" in out and "PASS issuer signature" in out
    out = run("verify", "kid.ts.cose", "--service-url", main.url).stdout
    assert "PASS receipt 1" in out
    # Tampering with the transparent statement breaks it.
    ts = bytearray(read("kid.ts.cose"))
    ts[-1] ^= 1
    write("kid.ts.bad.cose", bytes(ts))
    run("verify", "kid.ts.bad.cose", "--service-key", "service-keys.cbor", expect=1)


def test_201_response_shape(main):
    statement = sign("issuer.pem", "shape.cose", subject="pkg:demo/shape@1")
    status, hdrs, body = post_statement(main, statement, {"Accept": "application/scitt-receipt+cose"})
    assert status == 201, status
    assert hdrs["content-type"] == "application/scitt-receipt+cose"
    assert hdrs["location"].startswith("/entries/")
    index = int(hdrs["location"].rsplit("/", 1)[1])
    _, leaf_index, _ = verify_receipt(main, body, registered_form(statement))
    assert leaf_index == index
    # application/cose is an alias.
    status, hdrs, body = post_statement(main, statement, {"Accept": "application/cose"})
    assert status == 201 and hdrs["content-type"] == "application/cose"
    # GET /entries/{id} serves the receipt at once (read-after-write).
    status, hdrs, body = request("GET", main.url + f"/entries/{index}")
    assert status == 200 and hdrs["content-type"] == "application/scitt-receipt+cose"
    verify_receipt(main, body, registered_form(statement))
    entry_hash = hashlib.sha256(registered_form(statement)).hexdigest()
    status, _, _ = request("GET", main.url + f"/entries/{entry_hash}")
    assert status == 200
    problem(*request("GET", main.url + "/entries/999999999"), 404)
    problem(*request("GET", main.url + "/entries/abc"), 404)
    problem(*request("GET", main.url + f"/entries/{index}", headers={"Accept": "text/html"}), 406)


def test_dedup(main):
    statement = sign("issuer.pem", "dup.cose", subject="pkg:demo/dup@1")
    s1, h1, _ = post_statement(main, statement)
    size_before = checkpoint(main)[0]
    s2, h2, _ = post_statement(main, statement)
    assert s1 == 201 and s2 == 201
    assert h1["location"] == h2["location"], (h1["location"], h2["location"])
    assert checkpoint(main)[0] == size_before


def test_transparent_statement_download(main):
    statement = sign("issuer.pem", "dl.cose", subject="pkg:demo/dl@1")
    status, hdrs, _ = post_statement(main, statement)
    index = hdrs["location"].rsplit("/", 1)[1]
    status, hdrs, body = request("GET", main.url + f"/entries/{index}/statement")
    assert status == 200 and hdrs["content-type"] == "application/scitt-statement+cose"
    write("dl.ts.cose", body)
    ts = cbor2.loads(body)
    assert ts.tag == 18 and 394 in ts.value[1] and isinstance(ts.value[1][394][0], bytes)
    run("keys", "fetch", "--url", main.url, "--out", "keys.cbor")
    out = run("verify", "dl.ts.cose", "--service-key", "keys.cbor", "--issuer-key", "issuer-keys.json",
              "--payload", "artifact.json").stdout
    assert "verified" in out
    run("receipt", "get", index, "--url", main.url, "--statement", "--out", "dl2.ts.cose")
    assert read("dl2.ts.cose") == body


def test_x509_identity(main):
    statement = sign("leaf.key", "x5.cose", extra=("--x5chain", "chain.pem"))
    status, _, body = post_statement(main, statement)
    assert status == 201, cbor2.loads(body) if status >= 400 else status
    run("statement", "sign", "--key", "other.key", "--x5chain", "other-chain.pem", "--issuer", "https://o.example",
        "--subject", "s", "--content-type", "text/plain", "--out", "x5bad.cose", "artifact.json")
    doc = problem(*post_statement(main, read("x5bad.cose")), 400)
    assert "chain" in doc[-2].lower() or "certificate" in doc[-2].lower(), doc


def test_unknown_kid_and_self_asserted_refused(main):
    statement = sign("stranger.pem", "stranger.cose")
    doc = problem(*post_statement(main, statement), 400)
    assert "kid" in doc[-2].lower() or "key" in doc[-1].lower(), doc
    cnf = sign("stranger.pem", "cnf.cose", extra=("--cnf",))
    problem(*post_statement(main, cnf), 400)


def test_self_asserted_allowed():
    server = Server("selfasserted", "--allow-self-asserted")
    try:
        cnf = sign("stranger.pem", "cnf2.cose", extra=("--cnf",))
        status, _, body = post_statement(server, cnf)
        assert status == 201, cbor2.loads(body) if status >= 400 else status
    finally:
        server.stop()


def test_bad_input_over_http(main):
    good = sign("issuer.pem", "good.cose", subject="pkg:demo/bad@1")
    untagged = good[1:]
    cases = [
        ("empty body", b"", 400),
        ("not CBOR", b"\xff\xff\xff", 400),
        ("truncated", good[:-10], 400),
        ("trailing bytes", good + b"\x00", 400),
        ("untagged", untagged, 400),
        ("wrong tag", b"\xd1" + good[1:], 400),
        ("array of 3", cbor2.dumps(cbor2.CBORTag(18, [b"\xa0", {}, b"x"])), 400),
        ("deep nesting", b"\x81" * 100000, 400),
        ("duplicate keys", cbor2.dumps(cbor2.CBORTag(18, [b"\xa2\x01\x26\x01\x26", {}, b"x", b"s" * 64])), 400),
        ("nil payload", cbor2.dumps(cbor2.CBORTag(18, [cbor2.loads(good).value[0], {}, None, b"s" * 64])), 400),
        ("bad signature", good[:-1] + bytes([good[-1] ^ 1]), 400),
    ]
    for name, body, want in cases:
        status, hdrs, data = post_statement(main, body)
        try:
            problem(status, hdrs, data, want)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}")
    # Pre-RFC labels 391/392 instead of CWT claims 15: the detail names 15.
    legacy = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -8, 391: "iss", 392: "feed"}), {}, b"x", b"s" * 64]))
    doc = problem(*post_statement(main, legacy), 400)
    assert "15" in doc[-2], doc
    # Too large: 413 before reading it all.
    problem(*post_statement(main, b"\x00" * (2 << 20)), 413)
    # Wrong content type.
    problem(*request("POST", main.url + "/entries", good, {"Content-Type": "application/json"}), 415)
    # The service is still fine.
    assert request("GET", main.url + "/health")[0] == 200


def test_large_statements_are_taken_whole():
    """A registration of 1 MiB or more is written to a scratch file in the
    data directory, mapped, verified and turned into its registered form
    there, and appended to the log from it (Registrar::Check): with a length
    or chunked, under /entries and /v2/_scitt/entries, Ed25519 and ES256,
    with and without an unprotected header to drop. Each receipt verifies
    against the registered form computed here, and the log returns it.
    Afterwards, accepted or refused, no scratch file is left: none open or
    mapped by the server, none named in the data directory."""
    server = Server("large", "--issuer-keys", os.path.join(WORK, "issuer-keys.json"),
                    "--trust-anchors", os.path.join(WORK, "ca.pem"), "--rate-limit", "0",
                    "--max-statement-bytes", str(8 << 20))
    try:
        write("big.bin", bytes(range(256)) * (12 << 10))  # 3 MiB
        def sign_big(key, out, extra=()):
            run("statement", "sign", "--key", key, "--issuer", "https://issuer.example", "--subject",
                "pkg:demo/big@" + out, "--content-type", "application/octet-stream", "--out", out, *extra, "big.bin")
            return read(out)
        eddsa = sign_big("issuer.pem", "big-eddsa.cose")
        es256 = sign_big("leaf.key", "big-es256.cose", extra=("--x5chain", "chain.pem"))
        def with_unprotected(statement):
            value = cbor2.loads(statement).value
            return cbor2.dumps(cbor2.CBORTag(18, [value[0], {99: "dropped at registration"}, value[2], value[3]]))
        def chunked(data):
            for i in range(0, len(data), 100_000):
                yield data[i:i + 100_000]
        cases = [
            ("Ed25519, length", eddsa, "/entries", False),
            ("ES256 x5chain, chunked", es256, "/entries", True),
            ("Ed25519 with an unprotected header, registry extension", with_unprotected(
                sign_big("issuer.pem", "big-eddsa2.cose")), "/v2/_scitt/entries", False),
            ("ES256 with an unprotected header, chunked", with_unprotected(
                sign_big("leaf.key", "big-es2.cose", extra=("--x5chain", "chain.pem"))), "/entries", True),
        ]
        for name, statement, path, stream in cases:
            assert len(statement) > 3 << 20, name
            body = chunked(statement) if stream else statement
            status, hdrs, receipt = request("POST", server.url + path, body, {"Content-Type": "application/cose"})
            assert status == 201, f"{name}: {status} {cbor2.loads(receipt) if status >= 400 else ''}"
            verify_receipt(server, receipt, registered_form(statement))
            index = hdrs["location"].rsplit("/", 1)[1]
            status, _, transparent = request("GET", server.url + f"/entries/{index}/statement")
            assert status == 200 and registered_form(transparent) == registered_form(statement), name
        # A large statement whose payload changed by one bit is refused, as
        # with a copy, and so is one over the limit (413 on its length,
        # before its body is read).
        broken = bytearray(eddsa)
        broken[len(broken) // 2] ^= 1
        doc = problem(*post_statement(server, bytes(broken)), 400)
        assert "signature" in doc[-2].lower(), doc
        problem(*post_statement(server, b"\x00" * ((8 << 20) + 1)), 413)
        problem(*request("POST", server.url + "/entries", chunked(b"\x00" * ((8 << 20) + 1)),
                         {"Content-Type": "application/cose"}), 413)
        assert request("GET", server.url + "/health")[0] == 200
        def scratch_files():
            """The server's open or mapped files that have no name any more."""
            pid = server.proc.pid
            held = []
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    held.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
                except FileNotFoundError:  # closed since the listing
                    pass
            with open(f"/proc/{pid}/maps") as maps:
                held += [line.split(None, 5)[-1] for line in maps if len(line.split(None, 5)) == 6]
            return [name for name in held if name.startswith(os.path.realpath(server.data)) and "(deleted)" in name]
        def wait_until(condition):
            deadline = time.time() + 20
            while not condition() and time.time() < deadline:
                time.sleep(0.02)
            return condition()
        # Registered or refused, each statement's scratch file is gone.
        assert wait_until(lambda: not scratch_files()), scratch_files()
        # A body cut off mid-way: its file exists while it arrives, and goes
        # with the connection.
        with socket.create_connection(("127.0.0.1", server.port)) as cut:
            cut.sendall(b"POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\n"
                        b"Content-Length: 4000000\r\n\r\n" + eddsa[:2_000_000])
            assert wait_until(scratch_files), "no scratch file for a body being received"
        assert wait_until(lambda: not scratch_files()), scratch_files()
        assert not [n for n in os.listdir(server.data) if n.startswith(".scratch")], os.listdir(server.data)
    finally:
        server.stop()


def test_receipt_refresh_and_consistency(main):
    statement = sign("issuer.pem", "refresh.cose", subject="pkg:demo/refresh@1")
    _, hdrs, receipt = post_statement(main, statement)
    index = hdrs["location"].rsplit("/", 1)[1]
    size1, _, root1 = verify_receipt(main, receipt, registered_form(statement))
    for i in range(3):
        post_statement(main, sign("issuer.pem", f"more{i}.cose", subject=f"pkg:demo/more{i}@1"))
    size2, root2 = checkpoint(main)
    assert size2 > size1
    status, _, refreshed = request("GET", main.url + f"/entries/{index}?tree-size={size2}")
    assert status == 200
    s, _, r = verify_receipt(main, refreshed, registered_form(statement))
    assert s == size2 and r == root2
    status, hdrs, body = request("GET", main.url + f"/consistency?from={size1}&to={size2}")
    assert status == 200, body
    tag = cbor2.loads(body)
    prot_bytes, unprot, payload, sig = tag.value
    s1, s2, path = cbor2.loads(unprot[396][-2][0])
    assert (s1, s2) == (size1, size2)
    new_root = root_from_consistency(s1, s2, root1, path)
    assert new_root == root2
    _, pub = service_key(main)
    tbs = cbor2.dumps(["Signature1", prot_bytes, b"", new_root])
    pub.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")), tbs,
               ec.ECDSA(hashes.SHA256()))


def test_tiles_and_checkpoint_recomputed(main):
    size, root = checkpoint(main)
    entries = all_entries(main)
    assert len(entries) >= size
    leaves = [leaf_hash(hashlib.sha256(e["statement"]).digest()) for e in entries[:size]]
    assert mth(leaves) == root, "checkpoint root differs from the entries"
    # Level-0 tile(s) hold the leaf hashes.
    full, partial = divmod(size, 256)
    tiles = b""
    for n in range(full):
        status, hdrs, body = request("GET", main.url + f"/tile/0/{n:03d}")
        assert status == 200 and "immutable" in hdrs.get("cache-control", "")
        tiles += body
    if partial:
        status, _, body = request("GET", main.url + f"/tile/0/{full:03d}.p/{partial}")
        assert status == 200, body
        tiles += body
    assert tiles == b"".join(leaves)
    status, _, bundle = request("GET", main.url + f"/tile/entries/000.p/{min(size, 255)}" if size < 256 else main.url + "/tile/entries/000")
    assert status == 200
    assert bundle[:2] == b"\x00\x20" and bundle[2:34] == hashlib.sha256(entries[0]["statement"]).digest()
    problem(*request("GET", main.url + "/tile/0/999"), 404)


def test_keys_endpoints(main):
    kid, _ = service_key(main)
    kid_b64 = base64.urlsafe_b64encode(kid).rstrip(b"=").decode()
    status, hdrs, body = request("GET", main.url + f"/.well-known/scitt-keys/{kid_b64}")
    assert status == 200 and isinstance(cbor2.loads(body), dict)
    problem(*request("GET", main.url + "/.well-known/scitt-keys/AAAA"), 404)
    status, _, body = request("GET", main.url + "/.well-known/transparency-configuration")
    assert status == 200 and cbor2.loads(body)["issuer"] == main.url


def test_metrics(main):
    status, hdrs, body = request("GET", main.url + "/metrics")
    text = body.decode()
    assert status == 200
    for name in ("scitt_registrations_total", "scitt_refusals_total", "scitt_registration_seconds_bucket",
                 "scitt_tree_size", "scitt_commit_seconds_total",
                 "scitt_sequence_seconds_total"):
        assert name in text, name


def test_log_verify_over_http(main):
    out = run("log", "verify", "--url", main.url).stdout
    assert "log verified" in out, out


def test_303_302_200():
    server = Server("async", "--issuer-keys", os.path.join(WORK, "issuer-keys.json"),
                    "--test-commit-delay-ms", "1500", "--register-timeout-ms", "200")
    try:
        statement = sign("issuer.pem", "async.cose", subject="pkg:demo/async@1")
        status, hdrs, body = post_statement(server, statement)
        assert status == 303, status
        location = hdrs["location"]
        assert location.startswith("/operations/")
        saw_302 = False
        for _ in range(100):
            status, hdrs, body = request("GET", server.url + location)
            if status == 302:
                saw_302 = True
                assert hdrs["location"] == location and "retry-after" in hdrs
                time.sleep(0.2)
                continue
            break
        assert saw_302 and status == 200, status
        assert hdrs["location"].startswith("/entries/")
        verify_receipt(server, body, registered_form(statement))
        problem(*request("GET", server.url + "/operations/" + "0" * 64), 404)
        # The CLI follows the same flow.
        statement2 = sign("issuer.pem", "async2.cose", subject="pkg:demo/async2@1")
        run("register", "async2.cose", "--url", server.url, "--receipt-out", "async2.receipt")
        verify_receipt(server, read("async2.receipt"), registered_form(statement2))
    finally:
        server.stop()


def test_policy_and_policy_change():
    data = os.path.join(WORK, "policy-data")
    write("policy1.json", json.dumps({"subjects": ["pkg:allowed/*"]}))
    flags = ["--issuer-keys", os.path.join(WORK, "issuer-keys.json")]
    server = Server("policy", *flags, "--policy", os.path.join(WORK, "policy1.json"), data=data)
    try:
        ok = sign("issuer.pem", "p-ok.cose", subject="pkg:allowed/a@1")
        status, _, _ = post_statement(server, ok)
        assert status == 201
        refused = sign("issuer.pem", "p-no.cose", subject="pkg:other/a@1")
        doc = problem(*post_statement(server, refused), 400)
        assert doc[-1] == "Rejected", doc
        policy_entries_before = [e for e in all_entries(server)
                                 if cbor2.loads(cbor2.loads(e["statement"]).value[0])[15][2] == "urn:scitt:registration-policy"]
        assert len(policy_entries_before) == 1
    finally:
        server.stop()
    write("policy2.json", json.dumps({"subjects": ["pkg:other/*"]}))
    server = Server("policy", *flags, "--policy", os.path.join(WORK, "policy2.json"), data=data)
    try:
        status, _, _ = post_statement(server, read("p-no.cose"))
        assert status == 201
        entries = all_entries(server)
        policies = [e for e in entries
                    if cbor2.loads(cbor2.loads(e["statement"]).value[0])[15][2] == "urn:scitt:registration-policy"]
        assert len(policies) == 2, "the changed policy must be logged"
        assert entries[-1]["policy_index"] == policies[-1]["index"]
        out = run("log", "verify", "--url", server.url).stdout
        assert "log verified" in out, out
    finally:
        server.stop()


def test_restart_keeps_root_and_detects_tampering():
    data = os.path.join(WORK, "restart-data")
    flags = ["--issuer-keys", os.path.join(WORK, "issuer-keys.json")]
    server = Server("restart", *flags, data=data)
    for i in range(5):
        post_statement(server, sign("issuer.pem", f"r{i}.cose", subject=f"pkg:demo/r{i}@1"))
    before = checkpoint(server)
    server.stop()
    server.start()
    try:
        assert checkpoint(server) == before
        post_statement(server, sign("issuer.pem", "r-after.cose", subject="pkg:demo/r-after@1"))
        assert checkpoint(server)[0] == before[0] + 1
    finally:
        server.stop()
    out = run("log", "verify", "--data", data).stdout
    assert "log verified" in out, out
    # A changed byte in a stored node that start-up reads (it checks the right
    # edge, O(log n): the leftmost perfect subtree, node (L, 0) with
    # L = floor(log2(size)), is always on it): the service refuses to start.
    # `scitt log fsck` finds damage anywhere (storage/embedded/format.h).
    size = before[0] + 1
    target = os.path.join(data, "nodes", "%02d" % (size.bit_length() - 1))
    with open(target, "r+b") as f:
        b = f.read(1)
        f.seek(0)
        f.write(bytes([b[0] ^ 1]))
    code = server.start(expect_failure=True)
    assert code != 0, "the service must refuse to start on a tampered tree"
    out = run("log", "fsck", "--data", data, expect=1).stdout
    assert "DAMAGE stored Merkle node" in out, out


def test_rate_limit():
    server = Server("ratelimit", "--rate-limit", "2")
    try:
        statuses = [request("GET", server.url + "/checkpoint") for _ in range(20)]
        limited = [s for s in statuses if s[0] == 429]
        assert limited, "no request was rate limited"
        status, hdrs, body = limited[0]
        problem(status, hdrs, body, 429)
        assert int(hdrs["retry-after"]) >= 1
    finally:
        server.stop()


def test_submit_tokens():
    write("tokens.txt", "# tokens\nsecret-token-1\n")
    server = Server("tokens", "--submit-tokens", os.path.join(WORK, "tokens.txt"),
                    "--issuer-keys", os.path.join(WORK, "issuer-keys.json"))
    try:
        statement = sign("issuer.pem", "tok.cose", subject="pkg:demo/tok@1")
        status, hdrs, body = post_statement(server, statement)
        problem(status, hdrs, body, 401)
        status, _, _ = post_statement(server, statement, {"Authorization": "Bearer wrong"})
        assert status == 401
        status, _, _ = post_statement(server, statement, {"Authorization": "Bearer secret-token-1"})
        assert status == 201
        run("register", "tok.cose", "--url", server.url, "--token", "secret-token-1")
    finally:
        server.stop()


def test_tls():
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", "tls.key", "-out", "tls.pem", "-subj", "/CN=127.0.0.1", "-days", "2",
                    "-addext", "subjectAltName=IP:127.0.0.1"], cwd=WORK, check=True, capture_output=True)
    port = free_port()
    data = os.path.join(WORK, "tls-data")
    proc = subprocess.Popen([SCITT, "serve", "--listen", f"127.0.0.1:{port}", "--data", data,
                             "--tls-cert", os.path.join(WORK, "tls.pem"), "--tls-key", os.path.join(WORK, "tls.key"),
                             "--issuer-keys", os.path.join(WORK, "issuer-keys.json")],
                            cwd=WORK, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"https://127.0.0.1:{port}"
        statement = sign("issuer.pem", "tls.cose", subject="pkg:demo/tls@1")
        for _ in range(100):
            proc_ok = run("register", "tls.cose", "--url", url, "--ca-file", "tls.pem", expect=None)
            if proc_ok.returncode == 0:
                break
            time.sleep(0.1)
        assert proc_ok.returncode == 0, proc_ok.stderr
        run("register", "tls.cose", "--url", url, expect=2)  # untrusted certificate
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_config_file_and_environment():
    port = free_port()
    data = os.path.join(WORK, "config-data")
    write("config.json", json.dumps({"listen": f"127.0.0.1:{port}", "data": data,
                                     "issuer-keys": os.path.join(WORK, "issuer-keys.json"),
                                     "rate-limit": 1}))
    env = dict(os.environ, SCITT_RATE_LIMIT="0", SCITT_URL=f"http://127.0.0.1:{port}")
    proc = subprocess.Popen([SCITT, "serve", "--config", os.path.join(WORK, "config.json")], cwd=WORK,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = proc.stdout.readline()
        assert banner.strip() == f"scitt serving http://127.0.0.1:{port}", banner
        url = f"http://127.0.0.1:{port}"
        # The environment (rate limit off) beats the file (1/s): no 429.
        statuses = {request("GET", url + "/checkpoint")[0] for _ in range(10)}
        assert statuses == {200}, statuses
        statement = sign("issuer.pem", "cfg.cose", subject="pkg:demo/cfg@1")
        status, _, _ = request("POST", url + "/entries", statement, {"Content-Type": "application/cose"})
        assert status == 201, status
        assert os.path.isdir(os.path.join(data, "keys"))
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    # A flag beats the environment; a bad setting is a one-line error.
    bad = subprocess.run([SCITT, "serve", "--config", os.path.join(WORK, "config.json"), "--rate-limit", "fast"],
                         cwd=WORK, env=env, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "rate-limit" in bad.stderr, bad.stderr
    write("bad-config.json", json.dumps({"listen": "x", "colour": "blue"}))
    bad = subprocess.run([SCITT, "serve", "--config", os.path.join(WORK, "bad-config.json")],
                         cwd=WORK, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "colour" in bad.stderr, bad.stderr


def test_bench_register():
    """The load generator through the real binary: closed loop and paced."""
    server = Server("bench", "--allow-self-asserted", "--rate-limit", "0")
    try:
        def bench(*flags, count="4000", seconds="1"):
            out = run("bench", "register", "--url", server.url, "--seconds", seconds, "--connections", "8",
                      "--count", count, "--server-threads", "1", *flags).stdout
            fields = {line.split(":")[0]: line.split(":", 1)[1].split() for line in out.splitlines() if ":" in line}
            registered = int(fields["registrations"][0])
            verified, _, sampled = fields["receipts verified"][:3]
            assert registered > 0 and int(verified) == int(sampled) > 0, out
            assert int(fields["checkpoint growth"][0]) == registered, out
            assert fields["responses"] == [f"201×{registered}"], out
            assert float(fields["ratio"][0]) > 0, out
            return registered
        bench()
        # Paced: 8 connections at 100/s in total cannot send more than the schedule allows.
        paced = bench("--rate", "100")
        assert paced <= 100 * 1 + 8, paced
        # Fewer statements than the time allows: it stops when they are used up.
        assert bench(count="300", seconds="600") == 300
    finally:
        server.stop()


def main():
    make_keys()
    tests = [
        ("register with kid, verify offline", test_register_kid_and_verify_offline),
        ("201 response shape", test_201_response_shape),
        ("dedup", test_dedup),
        ("transparent statement download", test_transparent_statement_download),
        ("x509 identity", test_x509_identity),
        ("unknown kid and self-asserted refused", test_unknown_kid_and_self_asserted_refused),
        ("bad input over HTTP", test_bad_input_over_http),
        ("receipt refresh and consistency", test_receipt_refresh_and_consistency),
        ("tiles and checkpoint recomputed", test_tiles_and_checkpoint_recomputed),
        ("keys endpoints", test_keys_endpoints),
        ("metrics", test_metrics),
        ("log verify over HTTP", test_log_verify_over_http),
    ]
    standalone = [
        ("self-asserted allowed", test_self_asserted_allowed),
        ("303 / 302 / 200", test_303_302_200),
        ("policy and policy change", test_policy_and_policy_change),
        ("restart keeps root, tampering refused", test_restart_keeps_root_and_detects_tampering),
        ("rate limit", test_rate_limit),
        ("submit tokens", test_submit_tokens),
        ("TLS", test_tls),
        ("config file and environment", test_config_file_and_environment),
        ("bench register", test_bench_register),
        ("large statements taken whole", test_large_statements_are_taken_whole),
    ]
    main_server = Server("main", "--issuer-keys", os.path.join(WORK, "issuer-keys.json"),
                         "--trust-anchors", os.path.join(WORK, "ca.pem"), "--rate-limit", "0")
    with_server = [(name, lambda fn=fn: fn(main_server)) for name, fn in tests]
    stop = [("main server stops cleanly", main_server.stop)]
    return lib.run_tests(with_server + stop + standalone, WORK)


if __name__ == "__main__":
    sys.exit(main())
