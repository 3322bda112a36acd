#!/usr/bin/python3
"""Crash and fault harness: kill -9 under load, a full disk, damaged files,
and abusive clients, against the real `scitt serve` on loopback.

Usage: fault_test.py PATH/TO/scitt   (FAULT_CYCLES sets the kill -9 cycles;
CI runs a few, `FAULT_CYCLES=100` is the long version).
"""
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


def check_after_restart(url, acknowledged, checkpoints):
    """Every acknowledged receipt still verifies and its entry is served; the
    new checkpoint is consistent with every earlier one; one root per size."""
    key = lib.service_key(url)
    size, root = lib.checkpoint(url)
    for statement, receipt, index in acknowledged:
        lib.verify_receipt(url, receipt, lib.registered_form(statement), key)
        status, _, served = lib.request("GET", f"{url}/entries/{index}")
        assert status == 200, f"acknowledged entry {index} is not served ({status})"
        _, leaf_index, _ = lib.verify_receipt(url, served, lib.registered_form(statement), key)
        assert leaf_index == index
    heads = {}
    for head in lib.tree_heads(url):
        assert heads.setdefault(head["tree_size"], head["root"]) == head["root"], "two roots at one size"
    for old_size, old_root in set(checkpoints):
        assert heads.get(old_size) == old_root, f"checkpoint at size {old_size} is not a stored tree head"
        if old_size == 0 or old_size == size:
            assert old_size != size or old_root == root
            continue
        status, _, body = lib.request("GET", f"{url}/consistency?from={old_size}&to={size}")
        assert status == 200, body
        prot, unprot, _, sig = cbor2.loads(body).value
        s1, s2, path = cbor2.loads(unprot[396][-2][0])
        assert (s1, s2) == (old_size, size)
        assert lib.root_from_consistency(s1, s2, old_root, path) == root
        lib.verify_es256(key[1], prot, root, sig)
    return size


def test_kill_9_under_load():
    server = lib.Server(SCITT, WORK, "crash", "--issuer-keys", KEYS_FILE, "--rate-limit", "0", "--batch-delay-us", "1000")
    acknowledged, checkpoints = [], []
    rng = random.Random(1234)
    for cycle in range(CYCLES):
        load = Load(server.url)
        time.sleep(rng.uniform(0.2, 1.2))
        server.kill()
        load.stop()
        acknowledged.extend(load.acknowledged)
        checkpoints.extend(load.checkpoints)
        server.start()
        check_after_restart(server.url, acknowledged, checkpoints)
    out = subprocess.run([SCITT, "log", "verify", "--url", server.url], capture_output=True, text=True, timeout=600)
    server.stop()
    assert out.returncode == 0 and "log verified" in out.stdout, out.stdout + out.stderr
    print(f"     {CYCLES} kill -9 cycles, {len(acknowledged)} acknowledged entries checked, "
          f"{len(set(checkpoints))} checkpoints checked for consistency")


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
    shutil.copy(backup, statements)
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
             ("disk full", test_disk_full),
             ("damaged files", test_damaged_files),
             ("abusive clients", test_abusive_clients)]
    return lib.run_tests(tests, WORK)


if __name__ == "__main__":
    sys.exit(main())
