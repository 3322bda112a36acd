"""Shared helpers for the Python end-to-end tests: a `scitt serve` process,
HTTP on loopback, statements signed here (independently of the C++ code), and
RFC 9162 / RFC 9942 checks written from the RFCs with Debian's cbor2 and
cryptography.
"""
import base64
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

PROBLEM_TYPE = "application/concise-problem-details+cbor"
# ../shared/vectors beside the checkout, unless SCITT_VECTORS says otherwise.
VECTORS = os.environ.get("SCITT_VECTORS", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "..", "..", "..", "shared", "vectors"))


def _ephemeral_low():
    """The first port of the kernel's ephemeral range."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port():
    """A loopback port that nothing listens on, below the kernel's ephemeral
    range: the kernel gives ports of that range to every outgoing connection
    (and to bind(0)), so a port taken from it could be given to another
    test's client between this choice and the server's bind, or while a
    server restarts on the same port (its URL is its identity)."""
    low = _ephemeral_low()
    first, last = (10000, low - 1) if low > 11000 else (1024, low - 1)
    for _ in range(200):
        port = random.randint(first, last)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free loopback port in {first}-{last}")


def request(method, url, body=None, headers=None, timeout=30):
    assert url.startswith("http://")
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, "/" + path, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        # A field sent more than once is combined (RFC 9110 §5.3).
        fields = {}
        for k, v in res.getheaders():
            fields[k.lower()] = fields[k.lower()] + ", " + v if k.lower() in fields else v
        return res.status, fields, data
    finally:
        conn.close()


def problem(status, hdrs, body, want_status):
    assert status == want_status, f"status {status}, want {want_status}: {body[:300]!r}"
    assert hdrs.get("content-type") == PROBLEM_TYPE, f"content type {hdrs.get('content-type')}"
    doc = cbor2.loads(body)
    assert isinstance(doc.get(-1), str) and doc[-1], f"no title in {doc}"
    assert isinstance(doc.get(-2), str) and doc[-2], f"no detail in {doc}"
    return doc


class Server:
    """A `scitt serve` process on a free loopback port."""

    def __init__(self, scitt, work, name, *flags, data=None, start=True):
        self.scitt = scitt
        self.work = work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = data or os.path.join(work, name + "-data")
        self.flags = list(flags)
        self.log_path = os.path.join(work, name + ".log")
        self.proc = None
        if start:
            self.start()

    def start(self, expect_failure=False):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [self.scitt, "serve", "--listen", f"127.0.0.1:{self.port}", "--data", self.data, "--url", self.url,
             "--origin", f"127.0.0.1/{os.path.basename(self.data)}", *self.flags],
            cwd=self.work, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                if expect_failure:
                    return self.proc.returncode
                raise AssertionError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if request("GET", self.url + "/health", timeout=5)[0] == 200:
                    return 0
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("server did not come up")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            code = self.proc.wait(timeout=60)
            assert code == 0, f"server exit code {code} after SIGTERM; see {self.log_path}"
        self.proc = None

    def kill(self):
        """kill -9: no chance to flush anything."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=60)
        self.proc = None


# ---- statements signed here with Ed25519, kid = RFC 9679 thumbprint

class Issuer:
    def __init__(self):
        self.key = ed25519.Ed25519PrivateKey.generate()
        x = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.x = x
        # RFC 9679: SHA-256 of the deterministic CBOR of {1: 1, -1: 6, -2: x}.
        self.kid = hashlib.sha256(cbor2.dumps({1: 1, -1: 6, -2: x}, canonical=True)).digest()

    def jwks(self, kid_hex=True):
        x = base64.urlsafe_b64encode(self.x).rstrip(b"=").decode()
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": self.kid.hex()}]}

    def sign(self, subject, payload, issuer="https://issuer.example", content_type="application/json"):
        protected = cbor2.dumps({1: -8, 4: self.kid, 15: {1: issuer, 2: subject}, 3: content_type},
                                canonical=True)
        tbs = cbor2.dumps(["Signature1", protected, b"", payload])
        return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, self.key.sign(tbs)]))


def issuer_with_keys(work):
    """A new issuer and the path of its JWKS in `work`, for `--issuer-keys`."""
    issuer = Issuer()
    path = os.path.join(work, "issuer-keys.json")
    with open(path, "w") as f:
        json.dump(issuer.jwks(), f)
    return issuer, path


# ---- RFC 9162 §2.1, written independently of the C++ code under test

def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def root_from_inclusion(index, size, leaf, path):
    if index >= size:
        raise AssertionError("leaf index >= tree size")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise AssertionError("proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise AssertionError("proof too short")
    return r


def root_from_consistency(size1, size2, root1, path):
    assert 0 < size1 <= size2
    if size1 == size2:
        assert not path
        return root1
    if size1 & (size1 - 1) == 0:
        path = [root1] + path
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        assert sn != 0
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    assert sn == 0 and fr == root1, "consistency proof does not lead to the old root"
    return sr


def registered_form(statement):
    tag = cbor2.loads(statement)
    value = tag.value if isinstance(tag, cbor2.CBORTag) else tag
    return cbor2.dumps(cbor2.CBORTag(18, [value[0], {}, value[2], value[3]]))


def service_key(url):
    status, hdrs, body = request("GET", url + "/.well-known/scitt-keys")
    assert status == 200 and hdrs["content-type"] == "application/cbor"
    keys = cbor2.loads(body)
    assert isinstance(keys, list) and keys
    k = keys[0]
    assert k[1] == 2 and k[-1] == 1, "receipt key must be EC2 P-256"
    pub = ec.EllipticCurvePublicNumbers(int.from_bytes(k[-2], "big"), int.from_bytes(k[-3], "big"),
                                        ec.SECP256R1()).public_key()
    return k[2], pub


def verify_es256(pub, protected, payload, sig):
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    pub.verify(encode_dss_signature(r, s), tbs, ec.ECDSA(hashes.SHA256()))


def verify_receipt(url, receipt, registered_statement, key=None):
    """Independent RFC 9942 check: returns (tree_size, leaf_index, root)."""
    tag = cbor2.loads(receipt)
    assert isinstance(tag, cbor2.CBORTag) and tag.tag == 18
    prot_bytes, unprot, payload, sig = tag.value
    assert payload is None
    prot = cbor2.loads(prot_bytes)
    assert prot[1] == -7 and prot[395] == 1 and 15 in prot and 1 in prot[15] and 2 in prot[15]
    kid, pub = key or service_key(url)
    assert prot[4] == kid
    size, index, path = cbor2.loads(unprot[396][-1][0])
    entry = hashlib.sha256(registered_statement).digest()
    root = root_from_inclusion(index, size, leaf_hash(entry), path)
    verify_es256(pub, prot_bytes, root, sig)
    return size, index, root


def checkpoint(url):
    """The latest checkpoint, its Ed25519 note signature checked: (size, root)."""
    status, hdrs, body = request("GET", url + "/checkpoint")
    assert status == 200 and hdrs["content-type"].startswith("text/plain")
    text = body.decode()
    note, _, sigs = text.partition("\n\n")
    origin, size, root_b64 = note.split("\n")[:3]
    status, _, vkey = request("GET", url + "/.well-known/scitt-checkpoint-key")
    name, key_id, key_b64 = vkey.decode().strip().split("+", 2)
    raw = base64.b64decode(key_b64)
    assert raw[0] == 1
    verified = False
    for line in sigs.strip().split("\n"):
        dash, sig_name, sig_b64 = line.split(" ")
        assert dash == "\u2014"
        blob = base64.b64decode(sig_b64)
        if sig_name == name and blob[:4].hex() == key_id:
            ed25519.Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], (note + "\n").encode())
            verified = True
    assert verified, "no checkpoint signature by the published key"
    assert origin == name
    return int(size), base64.b64decode(root_b64)


def _pages(url, resource, field):
    out, start = [], 0
    while True:
        status, _, body = request("GET", f"{url}/{resource}?from={start}&limit=1000")
        assert status == 200
        doc = cbor2.loads(body)
        out.extend(doc[field])
        if "next" not in doc:
            return out
        start = doc["next"]


def tree_heads(url):
    return _pages(url, "tree-heads", "tree_heads")


def entries(url):
    return _pages(url, "entries", "entries")


def register(server, issuer, subject, iss, content_type, payload):
    """POST /entries a statement `issuer` signs; its verified receipt's index and the statement."""
    statement = issuer.sign(subject, payload, issuer=iss, content_type=content_type)
    status, _, body = request("POST", server.url + "/entries", statement, {"Content-Type": "application/cose"})
    assert status == 201, (status, body)
    _, index, _ = verify_receipt(server.url, body, registered_form(statement))
    return index, statement


def push_image(server, repository, tag, config):
    """Pushes a one-config, no-layer image to `server`'s registry under `tag`;
    returns its manifest's digest."""
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    status, _, body = request("POST", f"{server.url}/v2/{repository}/blobs/uploads/?digest={config_digest}", config,
                              {"Content-Type": "application/octet-stream"})
    assert status == 201, body
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": config_digest, "size": len(config)},
                           "layers": []}).encode()
    status, _, body = request("PUT", f"{server.url}/v2/{repository}/manifests/{tag}", manifest,
                              {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert status == 201, body
    return "sha256:" + hashlib.sha256(manifest).hexdigest()


def admission_review(kind, namespace, spec, uid="uid-1", operation="CREATE", name="web", user="deployer"):
    """An AdmissionReview (admission.k8s.io/v1) as a Kubernetes API server sends it to a
    validating webhook: a Pod with `spec`, or a workload whose Pod template has it."""
    obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": namespace},
           "spec": spec if kind == "Pod" else {"template": {"spec": spec}}}
    request_ = {"uid": uid, "kind": {"group": "" if kind == "Pod" else "apps", "version": "v1", "kind": kind},
                "namespace": namespace, "operation": operation, "object": obj}
    if user is not None:
        request_["userInfo"] = {"username": user}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request_}


def admit(server, review):
    """POSTs `review` to `server`'s /gates/kubernetes; returns its response, checked to be
    an AdmissionReview answering that request."""
    status, _, data = request("POST", server.url + "/gates/kubernetes", json.dumps(review).encode(),
                              {"Content-Type": "application/json"})
    assert status == 200, (status, data)
    doc = json.loads(data)
    assert doc["apiVersion"] == "admission.k8s.io/v1" and doc["kind"] == "AdmissionReview", doc
    assert doc["response"]["uid"] == review["request"]["uid"], doc
    return doc["response"]


def wait_indexed(server, size, seconds=20):
    """Until the evidence index covers the log up to `size` (GET /statements' tree_size)."""
    deadline = time.time() + seconds
    while True:
        status, _, body = request("GET", server.url + "/statements?limit=1")
        assert status == 200, body
        if json.loads(body)["tree_size"] >= size:
            return
        assert time.time() < deadline, f"the index did not reach {size}"
        time.sleep(0.05)


def run_tests(tests, work):
    """Runs (name, fn) pairs; fn may return "skipped". Prints the plain
    'N passed, N failed' closing line and returns the exit code. A test_*
    function of the calling module that is not in `tests` (itself, or bound
    in a lambda's default or closure) is a failure: written, never run."""
    listed = set()
    for _, fn in tests:
        listed.add(fn)
        listed.update(getattr(fn, "__defaults__", None) or ())
        listed.update(cell.cell_contents for cell in getattr(fn, "__closure__", None) or ())
    caller = sys._getframe(1).f_globals
    unlisted = sorted(name for name, value in caller.items()
                      if name.startswith("test_") and callable(value) and value not in listed)
    passed = skipped = 0
    failed = len(unlisted)
    if unlisted:
        print(f"FAIL test functions that are not run: {', '.join(unlisted)}")
    for name, fn in tests:
        try:
            if fn() == "skipped":
                skipped += 1
            else:
                passed += 1
            print(f"ok   {name}")
        except Exception:
            failed += 1
            print(f"FAIL {name}\n{traceback.format_exc()}")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    if failed == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work directory kept: {work}")
    return 1 if failed else 0


def run_module_tests(namespace, work, server):
    """Runs every test_* function of a test module (its globals()), in
    order, then stops `server`; returns the exit code."""
    tests = [(name, fn) for name, fn in list(namespace.items()) if name.startswith("test_")]
    try:
        return run_tests(tests, work)
    finally:
        server.stop()
