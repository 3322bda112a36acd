#!/usr/bin/python3
"""Crash and fault harness: kill -9 under load (registrations, and registry
uploads and pushes), a full disk, damaged files, and abusive clients,
against the real `scitt serve` on loopback.

Usage: fault_test.py PATH/TO/scitt   (FAULT_CYCLES sets the kill -9 cycles;
CI runs a few, `FAULT_CYCLES=100` is the long version).
"""
import hashlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402
import cbor2  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-faults-")
CYCLES = int(os.environ.get("FAULT_CYCLES", "3"))
ISSUER = lib.Issuer()
KEYS_FILE = os.path.join(WORK, "issuers.json")
with open(KEYS_FILE, "w") as f:
    json.dump(ISSUER.jwks(), f)
COUNTER = iter(range(10**9))
COUNTER_LOCK = threading.Lock()


def next_statement():
    with COUNTER_LOCK:
        n = next(COUNTER)
    return ISSUER.sign(f"pkg:faults/item@{n}", json.dumps({"n": n}).encode())


class Load:
    """Clients registering statements until stopped; remembers every receipt
    the service acknowledged and every checkpoint it showed."""

    def __init__(self, url, clients=4):
        self.url = url
        self.acknowledged = []  # (statement, receipt, index)
        self.checkpoints = []   # (size, root)
        self.lock = threading.Lock()
        self.stopping = False
        self.threads = [threading.Thread(target=self.client) for _ in range(clients)]
        self.threads.append(threading.Thread(target=self.watcher))
        for t in self.threads:
            t.start()

    def client(self):
        while not self.stopping:
            statement = next_statement()
            try:
                status, hdrs, body = lib.request("POST", self.url + "/entries", statement,
                                                 {"Content-Type": "application/cose"}, timeout=10)
            except OSError:
                return  # the server died: that is the point
            if status == 201:
                with self.lock:
                    self.acknowledged.append((statement, body, int(hdrs["location"].rsplit("/", 1)[1])))

    def watcher(self):
        while not self.stopping:
            try:
                size, root = lib.checkpoint(self.url)
                with self.lock:
                    self.checkpoints.append((size, root))
            except (OSError, AssertionError, ValueError):
                return
            time.sleep(0.05)

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join(timeout=30)


class Checker:
    """What must hold after every restart, for everything seen so far: every
    acknowledged entry is served unchanged at its index under a tree head
    consistent with the one its receipt was signed for; every checkpoint seen
    is a stored tree head; one root per size; every stored head's root is the
    root of the served entries at its size. Receipts and checkpoints new since
    the last check are also verified in full over HTTP (receipt signatures,
    GET /entries/{i}, consistency receipts); older ones were verified then and
    are covered by the single pass over the served entries, which keeps 100
    cycles linear."""

    def __init__(self):
        self.verified = 0        # acknowledged[:verified] had their receipts checked in full
        self.heads_of = {}       # entry index -> (tree size, root) of its receipt
        self.forms = {}          # entry index -> registered form of the statement
        self.seen_checkpoints = set()

    def check(self, url, acknowledged, checkpoints):
        key = lib.service_key(url)
        size, root = lib.checkpoint(url)
        for statement, receipt, index in acknowledged[self.verified:]:
            form = lib.registered_form(statement)
            receipt_size, leaf_index, receipt_root = lib.verify_receipt(url, receipt, form, key)
            assert leaf_index == index
            status, _, served = lib.request("GET", f"{url}/entries/{index}")
            assert status == 200, f"acknowledged entry {index} is not served ({status})"
            _, served_index, _ = lib.verify_receipt(url, served, form, key)
            assert served_index == index
            self.heads_of[index] = (receipt_size, receipt_root)
            self.forms[index] = form
        self.verified = len(acknowledged)

        heads = {}
        for head in lib.tree_heads(url):
            assert heads.setdefault(head["tree_size"], head["root"]) == head["root"], "two roots at one size"
        assert heads.get(size) == root, "the checkpoint is not the latest stored tree head"
        # One pass over the served entries: the root at every stored head size.
        served = lib.entries(url)
        assert len(served) == size and [e["index"] for e in served] == list(range(size))
        stack = []  # (height, hash) of the perfect subtrees, RFC 9162 §2.1
        for n, entry in enumerate(served, start=1):
            node, height = lib.leaf_hash(hashlib.sha256(entry["statement"]).digest()), 0
            while stack and stack[-1][0] == height:
                node, height = lib.node_hash(stack.pop()[1], node), height + 1
            stack.append((height, node))
            if n in heads:
                acc = stack[-1][1]
                for _, left in reversed(stack[:-1]):
                    acc = lib.node_hash(left, acc)
                assert acc == heads[n], f"stored tree head at size {n} is not the root of the served entries"
        for index, form in self.forms.items():
            assert served[index]["statement"] == form, f"acknowledged entry {index} changed"
            receipt_size, receipt_root = self.heads_of[index]
            assert heads.get(receipt_size) == receipt_root, f"the tree head of entry {index}'s receipt is gone"
        for old_size, old_root in set(checkpoints):
            assert heads.get(old_size) == old_root, f"checkpoint at size {old_size} is not a stored tree head"
            if (old_size, old_root) in self.seen_checkpoints or old_size in (0, size):
                continue
            self.seen_checkpoints.add((old_size, old_root))
            status, _, body = lib.request("GET", f"{url}/consistency?from={old_size}&to={size}")
            assert status == 200, body
            prot, unprot, _, sig = cbor2.loads(body).value
            s1, s2, path = cbor2.loads(unprot[396][-2][0])
            assert (s1, s2) == (old_size, size)
            assert lib.root_from_consistency(s1, s2, old_root, path) == root
            lib.verify_es256(key[1], prot, root, sig)
        return size


def check_no_duplicate(url, acknowledged):
    """Resubmitted after a restart, each acknowledged statement is the entry
    it was, and the log does not grow. The newest ones are the likeliest to
    have had their lookups (by hash, by signed content) only in memory when
    the process died (storage/embedded/format.h)."""
    size, _ = lib.checkpoint(url)
    for statement, _, index in acknowledged:
        status, hdrs, body = lib.request("POST", url + "/entries", statement,
                                         {"Content-Type": "application/cose"}, timeout=30)
        assert status == 201, f"a resubmission answered {status}: {body[:200]!r}"
        again = int(hdrs["location"].rsplit("/", 1)[1])
        assert again == index, f"acknowledged entry {index} was registered again as entry {again}"
    assert lib.checkpoint(url)[0] == size, "resubmissions grew the log"


def check_after_restart(url, acknowledged, checkpoints):
    return Checker().check(url, acknowledged, checkpoints)


def test_kill_9_under_load():
    server = lib.Server(SCITT, WORK, "crash", "--issuer-keys", KEYS_FILE, "--rate-limit", "0", "--batch-delay-us", "1000")
    acknowledged, checkpoints = [], []
    checker = Checker()
    rng = random.Random(1234)
    for cycle in range(CYCLES):
        load = Load(server.url)
        time.sleep(rng.uniform(0.2, 1.2))
        server.kill()
        load.stop()
        acknowledged.extend(load.acknowledged)
        checkpoints.extend(load.checkpoints)
        server.start()
        checker.check(server.url, acknowledged, checkpoints)
        check_no_duplicate(server.url, load.acknowledged[-25:])
    out = subprocess.run([SCITT, "log", "verify", "--url", server.url], capture_output=True, text=True, timeout=600)
    server.stop()
    assert out.returncode == 0 and "log verified" in out.stdout, out.stdout + out.stderr
    print(f"     {CYCLES} kill -9 cycles, {len(acknowledged)} acknowledged entries checked, "
          f"{len(set(checkpoints))} checkpoints checked for consistency")


class RegistryLoad:
    """Clients pushing blobs (chunked and single-POST) and manifests that
    reference them until stopped; remembers what the registry acknowledged
    with 201."""

    def __init__(self, url, clients=3):
        self.url = url
        self.blobs = []      # (repository, digest, bytes)
        self.manifests = []  # (repository, tag, digest, bytes)
        self.lock = threading.Lock()
        self.stopping = False
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(clients)]
        for t in self.threads:
            t.start()

    def push_blob(self, repo, data, chunked):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if not chunked:
            status, _, _ = lib.request("POST", f"{self.url}/v2/{repo}/blobs/uploads/?digest={digest}", data)
            return digest if status == 201 else None
        status, hdrs, _ = lib.request("POST", f"{self.url}/v2/{repo}/blobs/uploads/")
        if status != 202:
            return None
        location, half = hdrs["location"], len(data) // 2
        status, _, _ = lib.request("PATCH", self.url + location, data[:half], {"Content-Range": f"0-{half - 1}"})
        if status != 202:
            return None
        status, _, _ = lib.request("PUT", f"{self.url}{location}?digest={digest}", data[half:],
                                   {"Content-Range": f"{half}-{len(data) - 1}"})
        return digest if status == 201 else None

    def client(self, n):
        rng = random.Random(n)
        repo = f"faults/r{n}"
        while not self.stopping:
            try:
                data = os.urandom(rng.randint(2, 200000))
                digest = self.push_blob(repo, data, chunked=rng.random() < 0.5)
                if digest is None:
                    continue
                with self.lock:
                    self.blobs.append((repo, digest, data))
                manifest = json.dumps({
                    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/octet-stream", "digest": digest, "size": len(data)},
                    "layers": []}).encode()
                tag = "t" + os.urandom(8).hex()  # never reused across cycles
                status, hdrs, _ = lib.request("PUT", f"{self.url}/v2/{repo}/manifests/{tag}", manifest,
                                              {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
                if status == 201:
                    with self.lock:
                        self.manifests.append((repo, tag, hdrs["docker-content-digest"], manifest))
            except (OSError, KeyError):
                pass  # the server died under us: whatever was not acknowledged may be lost

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join()


def test_registry_kill_9():
    server = lib.Server(SCITT, WORK, "registry-crash", "--rate-limit", "0")
    blobs, manifests = [], []
    rng = random.Random(99)
    for cycle in range(CYCLES):
        load = RegistryLoad(server.url)
        time.sleep(rng.uniform(0.3, 1.0))
        server.kill()
        load.stop()
        blobs.extend(load.blobs)
        manifests.extend(load.manifests)
        server.start()
        # Every acknowledged blob and manifest is there, byte for byte.
        for repo, digest, data in blobs:
            status, hdrs, body = lib.request("GET", f"{server.url}/v2/{repo}/blobs/{digest}")
            assert status == 200 and body == data, f"blob {digest} of {repo}: {status}"
        for repo, tag, digest, data in manifests:
            status, hdrs, body = lib.request("GET", f"{server.url}/v2/{repo}/manifests/{tag}")
            assert status == 200 and body == data and hdrs["docker-content-digest"] == digest, (repo, tag, status)
        # No partial blob is visible: whatever the store holds matches its name.
        blob_root = os.path.join(server.data, "blobs", "sha256")
        for fanout in os.listdir(blob_root):
            for name in os.listdir(os.path.join(blob_root, fanout)):
                if len(name) != 64:
                    continue  # a temporary of a manifest write
                with open(os.path.join(blob_root, fanout, name), "rb") as f:
                    assert hashlib.sha256(f.read()).hexdigest() == name, f"blob file {name} is damaged"
    server.stop()
    assert blobs and manifests, "the load acknowledged nothing"
    print(f"     {CYCLES} kill -9 cycles, {len(blobs)} acknowledged blobs and {len(manifests)} manifests checked")


def test_disk_full():
    mount = os.path.join(WORK, "small")
    os.makedirs(mount)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mount], capture_output=True).returncode != 0:
        print("     skipped: cannot mount a small tmpfs here (needs root)")
        return "skipped"
    server = None
    try:
        server = lib.Server(SCITT, WORK, "full", "--issuer-keys", KEYS_FILE, "--rate-limit", "0",
                            data=os.path.join(mount, "data"))
        acknowledged, refused = [], None
        for _ in range(20000):
            statement = ISSUER.sign("pkg:full/x@" + str(next(COUNTER)), os.urandom(4096))
            status, hdrs, body = lib.request("POST", server.url + "/entries", statement,
                                             {"Content-Type": "application/cose"})
            if status == 201:
                acknowledged.append((statement, body, int(hdrs["location"].rsplit("/", 1)[1])))
            else:
                refused = (status, hdrs, body)
                break
        assert refused is not None, "the disk never filled up"
        assert refused[0] >= 500, f"a full disk must give 5xx, got {refused[0]}"
        lib.problem(refused[0], refused[1], refused[2], refused[0])
        # Space returns: registration works again, nothing acknowledged was lost.
        subprocess.run(["mount", "-o", "remount,size=64m", mount], check=True)
        deadline = time.time() + 30
        while True:
            statement = ISSUER.sign("pkg:full/after@" + str(next(COUNTER)), b"{}")
            status, _, _ = lib.request("POST", server.url + "/entries", statement, {"Content-Type": "application/cose"})
            if status == 201:
                break
            assert time.time() < deadline, f"the service did not recover after space returned ({status})"
            time.sleep(0.5)
        check_after_restart(server.url, acknowledged, [])
        server.stop()
        server.start()
        check_after_restart(server.url, acknowledged, [])
        print(f"     {len(acknowledged)} entries acknowledged before the disk filled; all kept")
    finally:
        if server:
            server.stop()
        subprocess.run(["umount", mount], capture_output=True)


def test_damaged_files():
    data = os.path.join(WORK, "damaged-data")
    server = lib.Server(SCITT, WORK, "damaged", "--issuer-keys", KEYS_FILE, data=data)
    for i in range(10):
        lib.request("POST", server.url + "/entries", next_statement(), {"Content-Type": "application/cose"})
    size, root = lib.checkpoint(server.url)
    server.stop()
    statements = os.path.join(data, "statements")
    # A torn last write (bytes after the last commit) is repaired silently.
    with open(statements, "ab") as f:
        f.write(b"torn write")
    server.start()
    assert lib.checkpoint(server.url) == (size, root)
    server.stop()
    # A truncated committed file is damage: refuse to start, clearly.
    backup = statements + ".bak"
    shutil.copy(statements, backup)
    with open(statements, "r+b") as f:
        f.truncate(os.path.getsize(statements) - 7)
    code = server.start(expect_failure=True)
    assert code != 0, "the service must refuse to start with a truncated statements file"
    with open(server.log_path) as f:
        assert "refus" in f.read().lower()
    # The operator's check names the damage too, and changes nothing.
    fsck = subprocess.run([SCITT, "log", "fsck", "--data", data], capture_output=True, text=True, timeout=120)
    assert fsck.returncode == 1 and "statements" in fsck.stdout and "store DAMAGED" in fsck.stdout, fsck.stdout
    shutil.copy(backup, statements)
    fsck = subprocess.run([SCITT, "log", "fsck", "--data", data], capture_output=True, text=True, timeout=120)
    assert fsck.returncode == 0 and "store OK" in fsck.stdout, fsck.stdout + fsck.stderr
    server.start()
    assert lib.checkpoint(server.url) == (size, root)
    server.stop()


def test_abusive_clients():
    server = lib.Server(SCITT, WORK, "abuse", "--issuer-keys", KEYS_FILE, "--rate-limit", "0")
    sockets = []
    try:
        # Many idle connections and slowloris clients sending a header byte by byte.
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", server.port))
            sockets.append(s)
        slow = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
        for s in slow:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        sockets.extend(slow)
        # A huge header gets 431, a pipelining flood is answered without starving others.
        big = socket.create_connection(("127.0.0.1", server.port))
        big.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
        assert b" 431 " in big.recv(4096)
        big.close()
        flood = socket.create_connection(("127.0.0.1", server.port))
        flood.sendall(b"GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n" * 2000)
        sockets.append(flood)
        # Meanwhile, an ordinary client is served.
        start = time.time()
        for i in range(20):
            status, _, _ = lib.request("POST", server.url + "/entries", next_statement(),
                                       {"Content-Type": "application/cose"}, timeout=10)
            assert status == 201, status
            assert lib.request("GET", server.url + "/health", timeout=10)[0] == 200
        elapsed = time.time() - start
        assert elapsed < 30, f"ordinary requests took {elapsed:.1f} s under abuse"
    finally:
        for s in sockets:
            s.close()
        server.stop()


def main():
    tests = [("kill -9 under load", test_kill_9_under_load),
             ("registry: kill -9 during uploads and pushes", test_registry_kill_9),
             ("disk full", test_disk_full),
             ("damaged files", test_damaged_files),
             ("abusive clients", test_abusive_clients)]
    return lib.run_tests(tests, WORK)


if __name__ == "__main__":
    sys.exit(main())
