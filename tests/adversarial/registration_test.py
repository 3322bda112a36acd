#!/usr/bin/python3
"""Hostile statements against `POST /entries` through the real binary (issue
10, hardening items 3, 11 and 12). Every statement is built and signed here
with Debian's cbor2 and cryptography, independently of the C++ code.

- CBOR item amplification: a 1 MiB statement whose protected (or unprotected)
  header holds about a million one-byte items is refused fast as malformed,
  with a detail naming the limit; while a stream of them arrives the server's
  peak RSS stays bounded and GET /health is answered promptly.
- A self-asserted cnf COSE_Key whose alg says EdDSA cannot sign ES256.
- A hash envelope with an unknown payload-hash-alg is refused.
- A CA certificate (keyUsage keyCertSign only) cannot sign as the x5chain leaf.

Usage: registration_test.py PATH/TO/scitt
"""
import datetime
import json
import os
import statistics
import sys
import tempfile
import threading
import time

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-adv-registration-")
MIB = 1 << 20
CLAIMS = {1: "https://issuer.example", 2: "pkg:adversarial/a@1"}


def post(server, statement):
    return lib.request("POST", server.url + "/entries", statement, {"Content-Type": "application/cose"},
                       timeout=60)


def refused(server, statement, title, detail_part):
    doc = lib.problem(*post(server, statement), 400)
    assert doc[-1] == title, doc
    assert detail_part in doc[-2], doc
    return doc


def accepted(server, statement):
    status, _, body = post(server, statement)
    assert status == 201, cbor2.loads(body) if status >= 400 else status


def memory_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for pid {pid}")


# ---------------------------------------------------------------- signing

def es256_key():
    return ec.generate_private_key(ec.SECP256R1())


def cose_key(private, alg=None):
    """COSE_Key (RFC 9053 §7.1.1) of an EC P-256 key, with alg when given."""
    numbers = private.public_key().public_numbers()
    key = {1: 2, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    if alg is not None:
        key[3] = alg
    return key


def sign_es256(private, protected_map, payload, unprotected=None):
    protected = cbor2.dumps(protected_map, canonical=True)
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = decode_dss_signature(private.sign(tbs, ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected or {}, payload, signature]))


def sign_eddsa(issuer, protected_map, payload):
    protected = cbor2.dumps(protected_map, canonical=True)
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, issuer.key.sign(tbs)]))


def certificate(subject_key, subject, issuer_key, issuer, ca, key_usage):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(subject_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if key_usage is not None:
        usage = dict(digital_signature=False, content_commitment=False, key_encipherment=False,
                     data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                     encipher_only=False, decipher_only=False)
        usage.update(key_usage)
        builder = builder.add_extension(x509.KeyUsage(**usage), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


# ---------------------------------------------------------------- hostile CBOR

def zeros_array(count):
    """A CBOR array of `count` one-byte items (0x00), written directly."""
    return b"\x9a" + count.to_bytes(4, "big") + b"\x00" * count


def bstr(data):
    assert len(data) < 1 << 32
    return b"\x5a" + len(data).to_bytes(4, "big") + data


def hostile_protected(size=MIB):
    """tag 18 [protected {1: -7, 15: claims, 1000: [0, 0, …]}, {}, h'78', sig]
    of exactly `size` bytes."""
    head = cbor2.dumps(1) + cbor2.dumps(-7) + cbor2.dumps(15) + cbor2.dumps(CLAIMS) + cbor2.dumps(1000)
    tail = b"\xa0" + cbor2.dumps(b"x") + cbor2.dumps(b"\x01" * 64)
    fixed = 2 + 5 + 1 + len(head) + 5 + len(tail)
    protected = b"\xa3" + head + zeros_array(size - fixed)
    statement = b"\xd2\x84" + bstr(protected) + tail
    assert len(statement) == size
    return statement


def hostile_unprotected(size=MIB):
    """tag 18 [protected {1: -7, 15: claims}, {1000: [0, 0, …]}, h'78', sig]."""
    protected = cbor2.dumps(cbor2.dumps({1: -7, 15: CLAIMS}))
    tail = cbor2.dumps(b"x") + cbor2.dumps(b"\x01" * 64)
    fixed = 2 + len(protected) + 1 + 3 + 5 + len(tail)
    unprotected = b"\xa1" + cbor2.dumps(1000) + zeros_array(size - fixed)
    statement = b"\xd2\x84" + protected + unprotected + tail
    assert len(statement) == size
    return statement


# ---------------------------------------------------------------- fixtures

ISSUER = lib.Issuer()                 # Ed25519, configured by kid
CA_KEY, LEAF_KEY = es256_key(), es256_key()
CA = certificate(CA_KEY, "Adversarial CA", CA_KEY, "Adversarial CA", True, {"key_cert_sign": True, "crl_sign": True})
LEAF = certificate(LEAF_KEY, "Adversarial Signer", CA_KEY, "Adversarial CA", False, {"digital_signature": True})


def start_server():
    with open(os.path.join(WORK, "issuer-keys.json"), "w") as f:
        json.dump(ISSUER.jwks(), f)
    with open(os.path.join(WORK, "ca.pem"), "wb") as f:
        f.write(CA.public_bytes(serialization.Encoding.PEM))
    return lib.Server(SCITT, WORK, "registration", "--issuer-keys", "issuer-keys.json",
                      "--trust-anchors", "ca.pem", "--allow-self-asserted", "--rate-limit", "0")


# ---------------------------------------------------------------- tests

def test_amplified_protected_header_is_refused_fast(server):
    statement = hostile_protected()
    start = time.monotonic()
    refused(server, statement, "Malformed request", "the protected header exceeds a limit")
    elapsed = time.monotonic() - start
    doc = refused(server, statement, "Malformed request", "more than 2048 items")
    assert "2048 items" in doc[-2] and "16 levels" in doc[-2], doc
    assert elapsed < 10, f"refusal took {elapsed:.2f} s"


def test_amplified_unprotected_header_is_refused_fast(server):
    start = time.monotonic()
    refused(server, hostile_unprotected(), "Malformed request", "the unprotected header exceeds a limit")
    assert time.monotonic() - start < 10


def test_hostile_stream_keeps_memory_and_health(server):
    """Two clients send hostile statements back to back for a few seconds
    while a third polls /health; the server's peak RSS (VmHWM) must not grow
    by the ~300 MB one such decode used to cost, and /health must stay quick.
    Generous margins: containment, not speed."""
    pid = server.proc.pid
    lib.request("GET", server.url + "/health")
    baseline_kib = memory_kib(pid, "VmHWM")
    statements = [hostile_protected(), hostile_unprotected()]
    stop = threading.Event()
    sent, errors = [0], []

    def attack(statement):
        try:
            while not stop.is_set():
                status, _, _ = post(server, statement)
                assert status == 400, status
                sent[0] += 1
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
            stop.set()

    threads = [threading.Thread(target=attack, args=(s,)) for s in statements]
    for t in threads:
        t.start()
    latencies = []
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline and not stop.is_set():
        start = time.monotonic()
        status, _, _ = lib.request("GET", server.url + "/health", timeout=30)
        latencies.append(time.monotonic() - start)
        assert status == 200
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    grown_mib = (memory_kib(pid, "VmHWM") - baseline_kib) / 1024
    median = statistics.median(latencies)
    print(f"     {sent[0]} hostile statements, peak RSS +{grown_mib:.1f} MiB, "
          f"/health median {median * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms")
    assert sent[0] >= 4, f"only {sent[0]} hostile statements were answered"
    assert grown_mib < 150, f"peak RSS grew by {grown_mib:.0f} MiB"
    assert median < 0.25, f"/health median {median:.3f} s"
    assert max(latencies) < 5, f"/health took {max(latencies):.2f} s"
    assert server.proc.poll() is None, "the server died"


def test_cnf_key_alg_restricts_the_key(server):
    key = es256_key()
    for alg, ok in ((-8, False), (-7, True)):
        claims = {**CLAIMS, 8: {1: cose_key(key, alg)}}
        statement = sign_es256(key, {1: -7, 3: "application/json", 15: claims}, b'{"cnf": %d}' % alg)
        if ok:
            accepted(server, statement)
        else:
            refused(server, statement, "Bad Signature Algorithm", "restricted by its alg (3) to EdDSA (-8)")


def test_unknown_payload_hash_alg_is_refused(server):
    for hash_alg, payload, ok in ((9999, b"d" * 32, False), (-17, b"d" * 32, False), (-16, b"d" * 32, True)):
        protected = {1: -8, 4: ISSUER.kid, 15: CLAIMS, 258: hash_alg, 259: "application/json",
                     260: "https://a.example/%d" % hash_alg}
        statement = sign_eddsa(ISSUER, protected, payload)
        if ok:
            accepted(server, statement)
        else:
            refused(server, statement, "Malformed request", "payload-hash-alg (258) %d" % hash_alg)


def test_ca_cannot_sign_as_leaf(server):
    def statement(chain, key, payload):
        ders = [c.public_bytes(serialization.Encoding.DER) for c in chain]
        return sign_es256(key, {1: -7, 3: "text/plain", 15: CLAIMS, 33: ders}, payload)
    refused(server, statement([CA], CA_KEY, b"ca"), "Untrusted Certificate Chain", "without digitalSignature")
    accepted(server, statement([LEAF, CA], LEAF_KEY, b"leaf"))


def main():
    server = start_server()
    tests = [(name[len("test_"):].replace("_", " "), lambda fn=fn: fn(server))
             for name, fn in globals().items() if name.startswith("test_") and callable(fn)]
    tests.append(("the server stops cleanly", server.stop))
    try:
        return lib.run_tests(tests, WORK)
    finally:
        server.kill()


if __name__ == "__main__":
    sys.exit(main())
