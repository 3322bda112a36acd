#!/usr/bin/python3
"""Storage through the real binary: an auditor that must not change what it
audits, `scitt log fsck`, the store setting, tree-head queries at the edge of
uint64, duplicate registration by signature malleation (one registration per
signed content), and the upgrade of an older data directory.

Usage: storage_test.py PATH/TO/scitt
"""
import base64
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402
import cbor2  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-storage-")
ISSUER = lib.Issuer()
KEYS_FILE = os.path.join(WORK, "issuers.json")
with open(KEYS_FILE, "w") as f:
    json.dump(ISSUER.jwks(), f)


def scitt(*args, timeout=120):
    return subprocess.run([SCITT, *args], cwd=WORK, capture_output=True, text=True, timeout=timeout)


def register(server, statement):
    status, hdrs, body = lib.request("POST", server.url + "/entries", statement,
                                     {"Content-Type": "application/cose"})
    assert status == 201, f"registration answered {status}: {body[:300]!r}"
    return int(hdrs["location"].rsplit("/", 1)[1]), body


def make_log(name, entries=5):
    """A data directory holding a log: started, `entries` registered, stopped."""
    server = lib.Server(SCITT, WORK, name, "--issuer-keys", KEYS_FILE)
    for i in range(entries):
        register(server, ISSUER.sign(f"pkg:{name}/item@{i}", json.dumps({"i": i}).encode()))
    return server


def snapshot(root):
    """Every path under `root` with its type, mode, mtime and (files) content
    hash: an audit must leave all of it as it was."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            facts = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_mtime_ns)
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    facts += (hashlib.sha256(f.read()).hexdigest(),)
            out[os.path.relpath(path, root)] = facts
    return out


def read_only_bind(data, *args):
    """Runs `scitt ARGS` with `data` bind-mounted read-only over itself in a
    private mount namespace, so that even root cannot write there; None when
    this machine does not allow it (not root, no unshare)."""
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 97; shift; exec "$@"'
    try:
        proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                               data, SCITT, *args], cwd=WORK, capture_output=True, text=True, timeout=120)
    except OSError:
        return None
    if proc.returncode == 97 or "unshare failed" in proc.stderr or "Operation not permitted" in proc.stderr:
        return None
    return proc


def assert_audit_changes_nothing(data, verb="verify"):
    before = snapshot(data)
    out = scitt("log", verb, "--data", data)
    assert out.returncode == 0, f"log {verb}: exit {out.returncode}\n{out.stdout}\n{out.stderr}"
    assert snapshot(data) == before, f"log {verb} --data changed the data directory"
    return out


# ---------------------------------------------------------------- the auditor is read-only

def test_audit_of_a_stopped_service_changes_nothing():
    server = make_log("clean")
    server.stop()
    out = assert_audit_changes_nothing(server.data)
    assert "log verified" in out.stdout, out.stdout


def test_audit_after_kill_9_changes_nothing():
    """After kill -9 the index's WAL holds committed batches that only WAL
    recovery can read; the audit must see them and still write nothing."""
    server = make_log("killed", entries=8)
    size, _ = lib.checkpoint(server.url)
    server.kill()
    wal = os.path.join(server.data, "index.sqlite-wal")
    assert os.path.exists(wal) and os.path.getsize(wal) > 0, "kill -9 should leave WAL frames"
    out = assert_audit_changes_nothing(server.data)
    assert "log verified" in out.stdout and f"size {size}," in out.stdout, out.stdout


def test_audit_of_a_read_only_copy():
    """chmod -R a-w, and (where the machine allows it) a read-only bind mount:
    root ignores permission bits, a read-only mount stops even root."""
    for name, kill in (("ro-clean", False), ("ro-killed", True)):
        server = make_log(name)
        if kill:
            server.kill()
        else:
            server.stop()
        copy = os.path.join(WORK, name + "-copy")
        shutil.copytree(server.data, copy)
        subprocess.run(["chmod", "-R", "a-w", copy], check=True)
        try:
            out = assert_audit_changes_nothing(copy)
            assert "log verified" in out.stdout, out.stdout
            before = snapshot(copy)
            bound = read_only_bind(copy, "log", "verify", "--data", copy)
            if bound is None:
                print("     note: no read-only bind mount here (needs root and unshare); checked byte-identity only")
            else:
                assert bound.returncode == 0 and "log verified" in bound.stdout, bound.stdout + bound.stderr
            assert snapshot(copy) == before
        finally:
            subprocess.run(["chmod", "-R", "u+w", copy], check=True)


def test_audit_refuses_a_directory_without_a_log():
    empty = os.path.join(WORK, "empty")
    os.makedirs(empty)
    missing = os.path.join(WORK, "missing")
    for data in (empty, missing):
        out = scitt("log", "verify", "--data", data)
        assert out.returncode == 2, f"exit {out.returncode}: {out.stderr}"
        assert out.stderr.count("\n") == 1 and out.stderr.startswith("scitt: "), out.stderr
        assert "holds no scitt log" in out.stderr, out.stderr
    assert os.listdir(empty) == [], "the audit created files in an empty directory"
    assert not os.path.exists(missing), "the audit created the directory it was asked to read"
    # A log without its keys: refused, and no key is created.
    server = make_log("keyless", entries=1)
    server.stop()
    shutil.rmtree(os.path.join(server.data, "keys"))
    before = snapshot(server.data)
    out = scitt("log", "verify", "--data", server.data)
    assert out.returncode == 2 and "receipt-key.pem is missing" in out.stderr, out.stderr
    assert snapshot(server.data) == before


def settled_snapshot(data):
    """The snapshot of a running service's directory once its own background
    writes (the log followers' saves, a few hundred milliseconds after the
    last entry) are done: two snapshots half a second apart agree."""
    last = snapshot(data)
    for _ in range(40):
        time.sleep(0.5)
        now = snapshot(data)
        if now == last:
            return now
        last = now
    raise AssertionError("the running service kept writing to its data directory")


def test_audit_refuses_a_running_service():
    server = make_log("running", entries=1)
    try:
        before = settled_snapshot(server.data)
        out = scitt("log", "verify", "--data", server.data)
        assert out.returncode == 2 and "in use by another process" in out.stderr, out.stderr
        assert snapshot(server.data) == before
    finally:
        server.stop()


# ---------------------------------------------------------------- scitt log fsck

def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 1]))


def test_fsck_reports_damage_that_start_up_does_not_read():
    server = make_log("fsck", entries=6)  # 2 service statements + 6: size 8
    server.stop()
    out = assert_audit_changes_nothing(server.data, "fsck")
    assert "store OK" in out.stdout and "nodes:       " in out.stdout, out.stdout

    # Node (0, 1) is on no right edge of size 8: start-up (O(log n)) does not
    # read it, fsck (O(n)) does. (One restart first: it recomputes the nodes
    # the service had not synced yet, which would repair the damage below.)
    server.start()
    server.stop()
    flip_byte(os.path.join(server.data, "nodes", "00"), 32 + 5)
    server.start()
    server.stop()
    before = snapshot(server.data)
    out = scitt("log", "fsck", "--data", server.data)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "DAMAGE stored Merkle node (level 0, index 1) differs" in out.stdout, out.stdout
    assert "store DAMAGED (1 problems)" in out.stdout, out.stdout
    assert snapshot(server.data) == before, "fsck changed the data directory"
    flip_byte(os.path.join(server.data, "nodes", "00"), 32 + 5)

    # A flipped statement byte: its entry no longer hashes to its entry hash.
    flip_byte(os.path.join(server.data, "statements"), 10)
    out = scitt("log", "fsck", "--data", server.data)
    assert out.returncode == 1 and "DAMAGE entry 0: the stored statement does not hash" in out.stdout, out.stdout
    flip_byte(os.path.join(server.data, "statements"), 10)

    # A truncated statements file: the store refuses to open, which is damage too.
    statements = os.path.join(server.data, "statements")
    with open(statements, "r+b") as f:
        f.truncate(os.path.getsize(statements) - 3)
    out = scitt("log", "fsck", "--data", server.data)
    assert out.returncode == 1 and "refusing to open" in out.stdout and "store DAMAGED" in out.stdout, out.stdout

    empty = os.path.join(WORK, "fsck-empty")
    os.makedirs(empty)
    out = scitt("log", "fsck", "--data", empty)
    assert out.returncode == 2 and "holds no scitt log" in out.stderr and os.listdir(empty) == [], out.stderr


# ---------------------------------------------------------------- tree heads at the edge of uint64

def test_tree_heads_from_beyond_int64():
    """Issue 10 #5: from=2^63 was read as a negative number by the store's
    query and answered the heads of size 1, 2, ..."""
    server = make_log("edges", entries=2)
    try:
        heads = lib.tree_heads(server.url)
        assert heads, "the log should have signed tree heads"
        for start in (2**63 - 1, 2**63, 2**63 + 1, 2**64 - 2, 2**64 - 1):
            status, hdrs, body = lib.request("GET", f"{server.url}/tree-heads?from={start}")
            assert status == 200, f"from={start}: {status} {body[:200]!r}"
            doc = cbor2.loads(body)
            assert doc == {"tree_heads": []}, \
                f"from={start}: heads of sizes {[h['tree_size'] for h in doc['tree_heads']]}, keys {list(doc)}"
        # The last signed size is still found, one past it is not.
        last = heads[-1]["tree_size"]
        _, _, body = lib.request("GET", f"{server.url}/tree-heads?from={last}")
        assert [h["tree_size"] for h in cbor2.loads(body)["tree_heads"]] == [last]
        _, _, body = lib.request("GET", f"{server.url}/tree-heads?from={last + 1}")
        assert cbor2.loads(body) == {"tree_heads": []}
        # 2^64 itself is not a uint64: refused, not wrapped.
        status, hdrs, body = lib.request("GET", f"{server.url}/tree-heads?from={2**64}")
        lib.problem(status, hdrs, body, 400)
    finally:
        server.stop()


# ---------------------------------------------------------------- the store setting

def test_store_setting():
    """--store names where the log lives; postgres:// is refused clearly."""
    data = os.path.join(WORK, "setting-keys")
    log_dir = os.path.join(WORK, "setting-log")
    server = lib.Server(SCITT, WORK, "setting", "--issuer-keys", KEYS_FILE, "--store", "file:" + log_dir,
                        data=data)
    try:
        register(server, ISSUER.sign("pkg:setting/a@1", b"{}"))
    finally:
        server.stop()
    assert os.path.exists(os.path.join(log_dir, "index.sqlite")), "the log is not where --store says"
    assert not os.path.exists(os.path.join(data, "index.sqlite")), "the log went to --data instead"
    out = scitt("log", "fsck", "--data", log_dir)
    assert out.returncode == 0 and "store OK" in out.stdout, out.stdout + out.stderr
    out = subprocess.run([SCITT, "serve", "--listen", "127.0.0.1:0", "--data", os.path.join(WORK, "pg"),
                          "--store", "postgres://db.example/scitt"],
                         cwd=WORK, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "PostgreSQL storage is not available" in out.stderr, out.stderr


# ---------------------------------------------------------------- one registration per signed content

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class Es256Issuer:
    """An ES256 issuer signing here with cryptography, kid = RFC 9679 thumbprint."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        self.x, self.y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        self.kid = hashlib.sha256(cbor2.dumps({1: 2, -1: 1, -2: self.x, -3: self.y}, canonical=True)).digest()

    def jwk(self):
        b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
        return {"kty": "EC", "crv": "P-256", "x": b64(self.x), "y": b64(self.y), "kid": self.kid.hex()}

    def sign(self, subject, payload):
        protected = cbor2.dumps({1: -7, 4: self.kid, 15: {1: "https://issuer.example", 2: subject},
                                 3: "application/json"}, canonical=True)
        tbs = cbor2.dumps(["Signature1", protected, b"", payload])
        r, s = decode_dss_signature(self.key.sign(tbs, ec.ECDSA(hashes.SHA256())))
        return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")]))


def malleate(statement):
    """The same statement with s replaced by n - s: also a valid signature."""
    protected, unprotected, payload, sig = cbor2.loads(statement).value
    s = int.from_bytes(sig[32:], "big")
    twin = sig[:32] + (P256_ORDER - s).to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, twin]))


def es256_server(name):
    issuer = Es256Issuer()
    keys = os.path.join(WORK, name + "-issuers.json")
    with open(keys, "w") as f:
        json.dump({"keys": [issuer.jwk()]}, f)
    return issuer, lib.Server(SCITT, WORK, name, "--issuer-keys", keys)


def registered_twice(server, statement):
    """Registers `statement`, then its malleated twin; checks the twin comes
    back as the first entry and that the log did not grow."""
    index, receipt = register(server, statement)
    size, _ = lib.checkpoint(server.url)
    twin = malleate(statement)
    assert twin != statement
    twin_index, twin_receipt = register(server, twin)
    assert twin_index == index, f"the twin became entry {twin_index}, the statement is entry {index}"
    assert lib.checkpoint(server.url)[0] == size, "the twin grew the log"
    # The receipt answered for the twin is the first entry's: it proves the
    # first statement, whose transparent statement the service serves.
    key = lib.service_key(server.url)
    _, leaf, _ = lib.verify_receipt(server.url, twin_receipt, lib.registered_form(statement), key)
    assert leaf == index
    lib.verify_receipt(server.url, receipt, lib.registered_form(statement), key)
    status, _, transparent = lib.request("GET", f"{server.url}/entries/{index}/statement")
    assert status == 200
    assert lib.registered_form(transparent) == lib.registered_form(statement)
    return index


def test_a_malleated_es256_statement_is_the_same_registration():
    issuer, server = es256_server("malleated")
    try:
        statement = issuer.sign("pkg:malleated/a@1", b'{"a": 1}')
        index = registered_twice(server, statement)
        # A re-signature of the same content is the same registration too.
        again, _ = register(server, issuer.sign("pkg:malleated/a@1", b'{"a": 1}'))
        assert again == index
        out = scitt("log", "verify", "--url", server.url)
        assert out.returncode == 0 and "log verified" in out.stdout, out.stdout + out.stderr
    finally:
        server.stop()


def make_older_format(data, version):
    """Turns a data directory this build wrote (format 3) into format 2 or 1
    as older builds wrote it (src/storage/embedded/format.h): the lookups in
    index.sqlite (entries.hash UNIQUE; format 2 also signed_contents), no
    lookup.sqlite."""
    lookups = os.path.join(data, "lookup.sqlite")
    db = sqlite3.connect(os.path.join(data, "index.sqlite"))
    db.execute("ATTACH ? AS lookups", (lookups,))
    db.executescript("""
        BEGIN;
        ALTER TABLE entries RENAME TO entries_v3;
        CREATE TABLE entries(idx INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE,
          offset INTEGER NOT NULL, length INTEGER NOT NULL, registered_at INTEGER NOT NULL,
          policy_index INTEGER NOT NULL, collateral BLOB);
        INSERT INTO entries SELECT * FROM entries_v3;
        DROP TABLE entries_v3;
        CREATE TABLE signed_contents(hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO signed_contents SELECT hash, idx FROM lookups.by_signed_content;
        COMMIT;""")
    db.execute("DETACH lookups")
    if version == 1:
        db.execute("DROP TABLE signed_contents")
    db.execute(f"PRAGMA user_version = {version}")
    db.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(lookups + suffix):
            os.remove(lookups + suffix)


def test_older_directories_are_upgraded():
    """Data directories written before the lookups moved to lookup.sqlite
    (format 2), and before signed contents were recorded (format 1), open,
    are upgraded in place, and then know their old entries by hash and by
    signed content."""
    for version in (2, 1):
        issuer, server = es256_server(f"format{version}")
        statement = issuer.sign(f"pkg:format{version}/a@1", b'{"a": 1}')
        index, _ = register(server, statement)
        server.stop()
        make_older_format(server.data, version)
        for verb in ("verify", "fsck"):  # read-only: read as it is
            out = scitt("log", verb, "--data", server.data)
            assert out.returncode == 0, f"format {version}, log {verb}: {out.stdout}{out.stderr}"
        server.start()
        try:
            assert registered_twice(server, statement) == index
        finally:
            server.stop()
        assert os.path.exists(os.path.join(server.data, "lookup.sqlite"))
        out = scitt("log", "fsck", "--data", server.data)
        assert out.returncode == 0 and "store OK" in out.stdout, out.stdout + out.stderr


def test_start_removes_scratch_files_a_crash_left():
    """Where the file system has no O_TMPFILE, a large statement's scratch
    file is named `.scratch-XXXXXX` and unlinked at once; a crash in between
    leaves it. The service removes those at start, and nothing else."""
    server = make_log("scratch", entries=1)
    server.stop()
    for name in (".scratch-Ab12Cd", ".scratch-keep"):
        with open(os.path.join(server.data, name), "w") as f:
            f.write("")
    server.start()
    try:
        register(server, ISSUER.sign("pkg:scratch/item@after", b"{}"))
    finally:
        server.stop()
    names = os.listdir(server.data)
    assert ".scratch-Ab12Cd" not in names, names
    assert ".scratch-keep" in names, names


def test_the_auditor_flags_a_statement_registered_twice():
    """Logs written before this rule may hold a statement and its twin; the
    auditor names them. (Made here by hiding the first entry's signed content
    from the store's lookups, as a format-1 log would have.)"""
    issuer, server = es256_server("twice")
    statement = issuer.sign("pkg:twice/a@1", b'{"a": 1}')
    index, _ = register(server, statement)
    server.stop()
    db = sqlite3.connect(os.path.join(server.data, "lookup.sqlite"))
    db.execute("DELETE FROM by_signed_content WHERE idx = ?", (index,))
    db.commit()
    db.close()
    server.start()
    twin_index, _ = register(server, malleate(statement))
    assert twin_index != index
    server.stop()
    out = scitt("log", "verify", "--data", server.data)
    assert out.returncode == 1, out.stdout + out.stderr
    assert f"PROBLEM entry {twin_index}: signs the same content as entry {index}" in out.stdout, out.stdout


def test_lookups_survive_kill_9_and_deletion():
    """The lookups by hash live in lookup.sqlite, written in the background
    (no fsync): after kill -9 and after the file is deleted, the next start
    finds every entry again (resubmissions come back as the same entries),
    and fsck agrees before and after."""
    server = make_log("lookups", entries=0)
    statements = [ISSUER.sign(f"pkg:lookups/item@{i}", json.dumps({"i": i}).encode()) for i in range(12)]
    indexes = [register(server, s)[0] for s in statements]
    server.kill()
    out = scitt("log", "fsck", "--data", server.data)
    assert out.returncode == 0 and "store OK" in out.stdout, out.stdout + out.stderr
    for remove in (False, True):
        if remove:
            server.stop()
            for suffix in ("", "-wal", "-shm"):
                path = os.path.join(server.data, "lookup.sqlite" + suffix)
                if os.path.exists(path):
                    os.remove(path)
        server.start()
        try:
            for statement, index in zip(statements, indexes):
                again, _ = register(server, statement)
                assert again == index, f"a resubmission became entry {again}, not {index}"
            size, _ = lib.checkpoint(server.url)
            assert size == indexes[-1] + 1, f"resubmissions grew the log to {size}"
        finally:
            server.stop()
        out = scitt("log", "fsck", "--data", server.data)
        assert out.returncode == 0 and "store OK" in out.stdout, out.stdout + out.stderr
        assert "lookups:" in out.stdout, out.stdout


def main():
    tests = [
        ("audit of a stopped service changes nothing", test_audit_of_a_stopped_service_changes_nothing),
        ("audit after kill -9 changes nothing", test_audit_after_kill_9_changes_nothing),
        ("audit of a read-only copy", test_audit_of_a_read_only_copy),
        ("audit refuses a directory without a log", test_audit_refuses_a_directory_without_a_log),
        ("audit refuses a running service", test_audit_refuses_a_running_service),
        ("fsck reports damage that start-up does not read", test_fsck_reports_damage_that_start_up_does_not_read),
        ("store setting", test_store_setting),
        ("tree heads from beyond int64", test_tree_heads_from_beyond_int64),
        ("a malleated ES256 statement is the same registration", test_a_malleated_es256_statement_is_the_same_registration),
        ("older directories are upgraded", test_older_directories_are_upgraded),
        ("start removes scratch files a crash left", test_start_removes_scratch_files_a_crash_left),
        ("the auditor flags a statement registered twice", test_the_auditor_flags_a_statement_registered_twice),
        ("lookups survive kill -9 and deletion", test_lookups_survive_kill_9_and_deletion),
    ]
    return lib.run_tests(tests, WORK)


if __name__ == "__main__":
    sys.exit(main())
