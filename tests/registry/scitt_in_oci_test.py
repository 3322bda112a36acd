#!/usr/bin/python3
"""SCITT in OCI through the real binary (docs/scitt-in-oci.md), both
directions of one mechanism: statements registered by POST /entries about a
manifest of the registry become its referrers (with their receipts), also
when the manifest is pushed after them, and survive a kill -9; pushed statement manifests are attached once, not twice;
a statement manifest must agree with its statement; the per-repository
switch that stores pushed statements unregistered; delete protection off;
conditional statement pushes (one of several at once wins).

Usage: scitt_in_oci_test.py PATH/TO/scitt
"""
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-in-oci-")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
STATEMENT = "application/scitt-statement+cose"
RECEIPT = "application/scitt-receipt+cose"
EMPTY = b"{}"
ISSUER = lib.Issuer()
KEYS = os.path.join(WORK, "issuer-keys.json")
with open(KEYS, "w") as f:
    json.dump(ISSUER.jwks(), f)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def req(server, method, path, body=None, headers=None):
    return lib.request(method, server.url + path, body, headers)


def push_blob(server, repo, data):
    status, hdrs, body = req(server, "POST", f"/v2/{repo}/blobs/uploads/?digest={sha256(data)}", data,
                             {"Content-Type": "application/octet-stream"})
    assert status == 201, (status, body)
    return sha256(data)


def push_image(server, repo, tag, seed):
    config = push_blob(server, repo, json.dumps({"os": "linux", "seed": seed}).encode())
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config,
                                      "size": len(json.dumps({"os": "linux", "seed": seed}))},
                           "layers": []}).encode()
    status, _, body = req(server, "PUT", f"/v2/{repo}/manifests/{tag}", manifest, {"Content-Type": OCI_MANIFEST})
    assert status == 201, body
    return sha256(manifest), len(manifest)


def statement_manifest(server, repo, statement, subject, annotations=None):
    push_blob(server, repo, EMPTY)
    layer = push_blob(server, repo, statement)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": STATEMENT,
                "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(EMPTY), "size": 2},
                "layers": [{"mediaType": STATEMENT, "digest": layer, "size": len(statement)}],
                "subject": {"mediaType": OCI_MANIFEST, "digest": subject[0], "size": subject[1]}}
    if annotations:
        manifest["annotations"] = annotations
    return json.dumps(manifest).encode()


def put_manifest(server, repo, manifest):
    return req(server, "PUT", f"/v2/{repo}/manifests/{sha256(manifest)}", manifest, {"Content-Type": OCI_MANIFEST})


def referrers(server, repo, digest, artifact_type=None):
    path = f"/v2/{repo}/referrers/{digest}"
    if artifact_type:
        path += "?artifactType=" + artifact_type.replace("+", "%2B")
    status, _, body = req(server, "GET", path)
    assert status == 200, body
    return json.loads(body)["manifests"]


def register(server, statement):
    status, _, body = req(server, "POST", "/entries", statement, {"Content-Type": "application/cose"})
    assert status == 201, (status, body)
    return body


def wait_for(what, check, seconds=10):
    deadline = time.time() + seconds
    while True:
        got = check()
        if got or time.time() > deadline:
            assert got, f"timed out waiting for {what}"
            return got
        time.sleep(0.05)


def attached_statement(server, repo, subject_digest, entry_receipt, statement):
    """The statement the service attached to `subject_digest` in `repo`:
    checks its manifest, its layer and its receipt manifest; returns the
    statement manifest's digest."""
    listed = wait_for(f"a statement about {subject_digest} in {repo}",
                      lambda: referrers(server, repo, subject_digest, STATEMENT))
    assert len(listed) == 1, listed
    digest = listed[0]["digest"]
    status, hdrs, manifest_bytes = req(server, "GET", f"/v2/{repo}/manifests/{digest}")
    assert status == 200 and hdrs["docker-content-digest"] == digest
    manifest = json.loads(manifest_bytes)
    assert manifest["artifactType"] == STATEMENT and manifest["subject"]["digest"] == subject_digest
    assert manifest["annotations"] == {"org.ietf.scitt.content-type": "application/json",
                                       "org.ietf.scitt.issuer": "https://issuer.example",
                                       "org.ietf.scitt.subject": manifest["annotations"]["org.ietf.scitt.subject"]}
    assert listed[0]["annotations"] == manifest["annotations"]
    # The layer is the registered statement, byte for byte.
    layer = manifest["layers"][0]
    assert layer["mediaType"] == STATEMENT
    assert req(server, "GET", f"/v2/{repo}/blobs/{layer['digest']}")[2] == lib.registered_form(statement)
    receipts = referrers(server, repo, digest)
    assert [r["artifactType"] for r in receipts] == [RECEIPT], receipts
    receipt_manifest = json.loads(req(server, "GET", f"/v2/{repo}/manifests/{receipts[0]['digest']}")[2])
    receipt = req(server, "GET", f"/v2/{repo}/blobs/{receipt_manifest['layers'][0]['digest']}")[2]
    _, index, _ = lib.verify_receipt(server.url, receipt, lib.registered_form(statement))
    _, posted_index, _ = lib.verify_receipt(server.url, entry_receipt, lib.registered_form(statement))
    assert index == posted_index == int(receipts[0]["annotations"]["org.ietf.scitt.entry"])
    # Protected like a pushed statement.
    status, _, body = req(server, "DELETE", f"/v2/{repo}/manifests/{digest}")
    assert status == 405 and json.loads(body)["errors"][0]["code"] == "UNSUPPORTED", (status, body)
    return digest


def test_statements_registered_by_post_become_referrers():
    server = lib.Server(SCITT, WORK, "post", "--issuer-keys", KEYS)
    try:
        image = push_image(server, "team/app", "v1", 1)
        push_image(server, "team/copy", "v1", 1)  # the same image in a second repository
        other = push_image(server, "team/other", "v1", 2)

        # A bare digest: every repository holding that manifest.
        sbom = ISSUER.sign(image[0], b'{"spdxVersion":"SPDX-2.3"}')
        receipt = register(server, sbom)
        first = attached_statement(server, "team/app", image[0], receipt, sbom)
        second = attached_statement(server, "team/copy", image[0], receipt, sbom)
        assert first == second  # the service's manifest bytes are deterministic
        assert referrers(server, "team/other", other[0]) == []

        # A digest-pinned reference names the repository (its host is dropped).
        scan = ISSUER.sign(f"registry.example:5000/team/other@{other[0]}", b'{"runs":[]}')
        attached_statement(server, "team/other", other[0], register(server, scan), scan)
        # Any other subject (a purl) and a digest no repository holds attach nowhere.
        register(server, ISSUER.sign("pkg:nuget/Example@1.0.0", b"{}"))
        register(server, ISSUER.sign(sha256(b"elsewhere"), b"{}"))
        # Registering the same statement again adds nothing.
        register(server, sbom)
        time.sleep(0.5)
        assert len(referrers(server, "team/app", image[0])) == 1
        assert len(referrers(server, "team/other", other[0])) == 1

        # The same listing is in the _scitt extension.
        status, _, body = req(server, "GET", f"/v2/team/app/_scitt/statements/{image[0]}")
        assert [s["manifest"] for s in json.loads(body)["statements"]] == [first]
    finally:
        server.stop()


def test_statements_registered_before_their_image_is_pushed_are_attached_when_it_is():
    server = lib.Server(SCITT, WORK, "late", "--issuer-keys", KEYS)
    try:
        # The image's digest is known before it is pushed (its bytes are).
        config = json.dumps({"os": "linux", "seed": 7}).encode()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": sha256(config), "size": len(config)},
                               "layers": []}).encode()
        image = (sha256(manifest), len(manifest))
        sbom = ISSUER.sign(image[0], b'{"spdxVersion":"SPDX-2.3"}')
        sbom_receipt = register(server, sbom)
        scan = ISSUER.sign(f"late/pinned@{image[0]}", b'{"runs":[]}')
        scan_receipt = register(server, scan)
        time.sleep(0.5)  # the followers have read both: nothing held them to attach
        push_blob(server, "late/app", config)
        status, _, body = req(server, "PUT", "/v2/late/app/manifests/v1", manifest, {"Content-Type": OCI_MANIFEST})
        assert status == 201, body
        attached_statement(server, "late/app", image[0], sbom_receipt, sbom)
        # A statement naming a repository is attached there only, once that repository has the image.
        push_blob(server, "late/pinned", config)
        status, _, body = req(server, "PUT", "/v2/late/pinned/manifests/v1", manifest,
                              {"Content-Type": OCI_MANIFEST})
        assert status == 201, body
        listed = wait_for("both statements in late/pinned",
                          lambda: len(referrers(server, "late/pinned", image[0], STATEMENT)) == 2)
        assert listed
        assert len(referrers(server, "late/app", image[0], STATEMENT)) == 1
        # Pushing the image again attaches nothing twice.
        status, _, body = req(server, "PUT", "/v2/late/app/manifests/v2", manifest, {"Content-Type": OCI_MANIFEST})
        assert status == 201, body
        time.sleep(0.5)
        assert len(referrers(server, "late/app", image[0], STATEMENT)) == 1
        statement = referrers(server, "late/app", image[0], STATEMENT)[0]["digest"]
        assert len(referrers(server, "late/app", statement)) == 1  # one receipt
        _, index, _ = lib.verify_receipt(server.url, scan_receipt, lib.registered_form(scan))
        assert index >= 0
    finally:
        server.stop()


def test_attachment_survives_a_crash():
    server = lib.Server(SCITT, WORK, "crash", "--issuer-keys", KEYS)
    try:
        image = push_image(server, "app", "v1", 3)
        statements = [ISSUER.sign(image[0], json.dumps({"n": n}).encode()) for n in range(20)]
        receipts = [register(server, s) for s in statements]
        server.kill()  # right after the last 201: the follower may not have attached them yet
        server.start()
        listed = wait_for("20 statements", lambda: len(referrers(server, "app", image[0], STATEMENT)) == 20)
        assert listed
        for statement_digest in [m["digest"] for m in referrers(server, "app", image[0], STATEMENT)]:
            assert len(referrers(server, "app", statement_digest, RECEIPT)) == 1
        server.stop()
        server.start()
        time.sleep(0.5)
        assert len(referrers(server, "app", image[0])) == 20
        assert receipts
    finally:
        server.stop()


def test_pushed_statements_are_attached_once():
    server = lib.Server(SCITT, WORK, "push", "--issuer-keys", KEYS)
    try:
        image = push_image(server, "app", "v1", 4)
        for n in range(5):
            statement = ISSUER.sign(image[0], json.dumps({"push": n}).encode())
            manifest = statement_manifest(server, "app", statement, image,
                                          {"org.ietf.scitt.issuer": "https://issuer.example"})
            status, _, body = put_manifest(server, "app", manifest)
            assert status == 201, body
        # /metrics counts the registered pushes stored, and the batches they took.
        _, _, body = req(server, "GET", "/metrics")
        gauges = dict(re.findall(r"^(scitt_registry_stored_\w+) (\S+)$", body.decode(), re.M))
        assert float(gauges["scitt_registry_stored_pushes_total"]) == 5, gauges
        assert 1 <= float(gauges["scitt_registry_stored_batches_total"]) <= 5, gauges
        assert 'scitt_worker_queue_length{pool="registry"}' in body.decode()
        server.stop()  # the follower has seen every entry (its cursor is saved at stop)
        server.start()
        time.sleep(0.5)
        listed = referrers(server, "app", image[0])
        # Only the pushed manifests (they carry the pusher's annotation), one receipt each.
        assert len(listed) == 5 and all(m["annotations"] == {"org.ietf.scitt.issuer": "https://issuer.example"}
                                        for m in listed), listed
        for m in listed:
            assert len(referrers(server, "app", m["digest"])) == 1
    finally:
        server.stop()


def test_conditional_statement_pushes():
    """Registered statement pushes with If-None-Match / If-Match (tag-schema
    clients): pushed at once to one new tag, exactly one wins; a stale
    entity tag is 412 and changes nothing."""
    server = lib.Server(SCITT, WORK, "conditional", "--issuer-keys", KEYS)
    try:
        image = push_image(server, "app", "v1", 7)
        manifests = [statement_manifest(server, "app", ISSUER.sign(image[0], json.dumps({"try": n}).encode()),
                                        image) for n in range(6)]
        put = lambda manifest, headers: req(server, "PUT", "/v2/app/manifests/sbom", manifest,
                                            dict({"Content-Type": OCI_MANIFEST}, **headers))
        logged = len(lib.entries(server.url))
        with concurrent.futures.ThreadPoolExecutor(len(manifests)) as pool:
            answers = list(pool.map(lambda m: put(m, {"If-None-Match": "*"}), manifests))
        won = [m for m, (status, _, _) in zip(manifests, answers) if status == 201]
        assert len(won) == 1 and sorted(a[0] for a in answers) == [201] + [412] * 5, answers
        status, hdrs, body = req(server, "GET", "/v2/app/manifests/sbom")
        assert status == 200 and body == won[0]
        assert [r["artifactType"] for r in referrers(server, "app", sha256(won[0]))] == [RECEIPT]
        # A push that got 412 after registering (not one that found the tag
        # taken before) is in the log all the same; the log follower, which
        # waited for its push, attaches it (in the service's own statement
        # manifest) as it attaches any registered statement.
        registered = len(lib.entries(server.url)) - logged
        assert 1 <= registered <= 6, registered
        wait_for("the refused pushes' entries attached",
                 lambda: len(referrers(server, "app", image[0], STATEMENT)) == registered)
        # If-Match: a stale entity tag changes nothing; the current one moves the tag.
        loser = next(m for m in manifests if m != won[0])
        status, _, body = put(loser, {"If-Match": f'"{sha256(loser)}"'})
        assert status == 412 and json.loads(body)["errors"][0]["code"] == "DENIED", (status, body)
        assert req(server, "GET", "/v2/app/manifests/sbom")[2] == won[0]
        status, _, body = put(loser, {"If-Match": hdrs["etag"]})
        assert status == 201, body
        assert req(server, "GET", "/v2/app/manifests/sbom")[2] == loser
        assert [r["artifactType"] for r in referrers(server, "app", sha256(loser))] == [RECEIPT]
    finally:
        server.stop()


def test_a_statement_manifest_must_agree_with_its_statement():
    server = lib.Server(SCITT, WORK, "agree", "--issuer-keys", KEYS)
    try:
        image = push_image(server, "app", "v1", 5)
        other = push_image(server, "app", "v2", 6)
        logged = len(lib.entries(server.url))  # the service's own statements (trust configuration)
        statement = ISSUER.sign(image[0], b"{}")
        for annotations in ({"org.ietf.scitt.issuer": "https://someone.else"},
                            {"org.ietf.scitt.subject": other[0]},
                            {"org.ietf.scitt.content-type": "text/plain"}):
            manifest = statement_manifest(server, "app", statement, image, annotations)
            status, _, body = put_manifest(server, "app", manifest)
            assert status == 400 and json.loads(body)["errors"][0]["code"] == "MANIFEST_INVALID", (status, body)
        # About one image, pushed as a referrer of another.
        manifest = statement_manifest(server, "app", statement, other)
        status, _, body = put_manifest(server, "app", manifest)
        assert status == 400 and "is about " + image[0] in json.loads(body)["errors"][0]["message"], body
        assert len(lib.entries(server.url)) == logged  # nothing was registered
    finally:
        server.stop()


def test_repositories_without_auto_registration_and_without_delete_protection():
    server = lib.Server(SCITT, WORK, "switches", "--issuer-keys", KEYS,
                        "--unregistered-repositories", "mirror/*, vendor", "--delete-protection", "false")
    try:
        logged = len(lib.entries(server.url))  # the service's own statements (trust configuration)
        for repo in ("mirror/public/app", "vendor"):
            image = push_image(server, repo, "v1", 7)
            statement = ISSUER.sign(image[0], repo.encode())
            manifest = statement_manifest(server, repo, statement, image)
            status, hdrs, body = put_manifest(server, repo, manifest)
            assert status == 201 and "oci-subject" in hdrs, body
            assert referrers(server, repo, sha256(manifest)) == []  # no receipt: not registered
        assert len(lib.entries(server.url)) == logged
        # Elsewhere it is registered, and without delete protection it can be deleted.
        image = push_image(server, "prod", "v1", 8)
        statement = ISSUER.sign(image[0], b"prod")
        manifest = statement_manifest(server, "prod", statement, image)
        assert put_manifest(server, "prod", manifest)[0] == 201
        assert len(lib.entries(server.url)) == logged + 1
        assert req(server, "DELETE", f"/v2/prod/manifests/{sha256(manifest)}")[0] == 202
        assert referrers(server, "prod", image[0]) == []
    finally:
        server.stop()


def hash_envelope(subject, preimage, location, alg=-16):
    """An RFC 9995 hash envelope signed by ISSUER: the payload is the hash
    of `preimage`, 260 says where the preimage is."""
    digest = {-16: hashlib.sha256, -44: hashlib.sha512}[alg](preimage).digest()
    protected = lib.cbor2.dumps({1: -8, 4: ISSUER.kid, 15: {1: "https://issuer.example", 2: subject},
                                 258: alg, 259: "application/spdx+json", 260: location}, canonical=True)
    tbs = lib.cbor2.dumps(["Signature1", protected, b"", digest])
    return lib.cbor2.dumps(lib.cbor2.CBORTag(18, [protected, {}, digest, ISSUER.key.sign(tbs)]))


def test_hash_envelopes_naming_a_blob_of_the_registry_are_checked():
    server = lib.Server(SCITT, WORK, "locations", "--issuer-keys", KEYS)
    try:
        image = push_image(server, "app", "v1", 9)
        sbom = json.dumps({
            "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
            "documentNamespace": "https://example/app", "creationInfo": {"created": "2026-12-05T00:00:00Z",
                                                                         "creators": ["Tool: test"]},
            "documentDescribes": ["SPDXRef-app"],
            "packages": [{"SPDXID": "SPDXRef-app", "name": "app", "downloadLocation": "NOASSERTION",
                          "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                            "referenceLocator": "pkg:npm/preimage-app@1.0.0"}]}]}).encode()
        blob = push_blob(server, "app", sbom)
        # The blob's full URL with SHA-256 (its digest's algorithm), or its
        # path with SHA-512 (the service hashes the blob): both registered.
        for location, alg in ((f"{server.url}/v2/app/blobs/{blob}", -16), (f"/v2/app/blobs/{blob}", -44)):
            statement = hash_envelope(image[0], sbom, location, alg)
            status, _, body = req(server, "POST", "/entries", statement, {"Content-Type": "application/cose"})
            assert status == 201, (location, body)
        # A blob the registry does not hold, in that repository or at all; another hash.
        for location, preimage, why in (
                (f"{server.url}/v2/other/blobs/{blob}", sbom, "does not hold"),
                (f"/v2/app/blobs/{sha256(b'absent')}", b"absent", "does not hold"),
                (f"{server.url}/v2/app/blobs/{blob}", b"something else", "not the signed hash"),
                (f"/v2/app/blobs/{blob}", b"something else", "not the signed hash")):
            statement = hash_envelope(image[0], preimage, location, -44 if location.startswith("/") else -16)
            status, hdrs, body = req(server, "POST", "/entries", statement, {"Content-Type": "application/cose"})
            detail = lib.problem(status, hdrs, body, 400)[-2]
            assert why in detail and "payload-location" in detail, detail
        # A location elsewhere is not this registry's to check.
        elsewhere = hash_envelope(image[0], b"x", "https://evidence.example/v2/app/blobs/" + sha256(b"y"))
        assert req(server, "POST", "/entries", elsewhere, {"Content-Type": "application/cose"})[0] == 201
        # The index reads the preimages the registry holds (hash checked
        # again) as the documents they are; the one kept elsewhere is
        # indexed by its statement alone.
        lib.wait_indexed(server, len(lib.entries(server.url)))
        status, _, body = req(server, "GET", "/statements?" + urllib.parse.urlencode({"subject": image[0]}))
        assert status == 200, body
        found = [(s.get("payload"), s.get("format"), s.get("payload_location"))
                 for s in json.loads(body)["statements"]]
        assert found == [("registry", "SPDX", f"{server.url}/v2/app/blobs/{blob}"),
                         ("registry", "SPDX", f"/v2/app/blobs/{blob}"),
                         ("not_retrieved", None, "https://evidence.example/v2/app/blobs/" + sha256(b"y"))], found
        status, _, body = req(server, "GET", "/dependents?node=pkg:npm/preimage-app@1.0.0")
        assert status == 200 and json.loads(body)["artifacts"] == [image[0]], body
        # Rebuilt from the log, the preimages are read again the same way:
        # under the URL the index was derived with, unless another is given
        # (and then the locations under the old one are not this registry's).
        url = server.url
        server.stop()
        checked = subprocess.run([SCITT, "index", "rebuild", "--check", "--data", server.data],
                                 capture_output=True, text=True)
        assert checked.returncode == 0 and "index matches the log" in checked.stdout, checked
        assert f"payload-locations under {url} (as the index had it)" in checked.stdout, checked.stdout
        other = subprocess.run([SCITT, "index", "rebuild", "--check", "--data", server.data, "--url",
                                "https://other.example"], capture_output=True, text=True)
        assert other.returncode == 1 and "1 only in the index, 1 only in the rebuild" in other.stdout, other
        rebuilt = subprocess.run([SCITT, "index", "rebuild", "--data", server.data],
                                 capture_output=True, text=True)
        assert rebuilt.returncode == 0, rebuilt
        server.start()
        status, _, body = req(server, "GET", "/statements?" + urllib.parse.urlencode({"subject": image[0]}))
        assert [(s.get("payload"), s.get("format"), s.get("payload_location"))
                for s in json.loads(body)["statements"]] == found, body
    finally:
        server.stop()


if __name__ == "__main__":
    tests = [(name, fn) for name, fn in list(globals().items()) if name.startswith("test_")]
    sys.exit(lib.run_tests(tests, WORK))
