#!/usr/bin/python3
"""The OCI distribution API of `scitt serve` through the real binary on
loopback: the four distribution-spec workflows (pull, push, content
discovery, content management) as its conformance suite exercises them, the
error document on every failure, authentication of pushes, and what
survives a restart.

Usage: oci_e2e_test.py PATH/TO/scitt
"""
import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-oci-")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY = b"{}"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def oci_error(status, hdrs, body, want_status, want_code):
    assert status == want_status, f"status {status}, want {want_status}: {body[:300]!r}"
    assert hdrs.get("content-type") == "application/json", hdrs
    doc = json.loads(body)
    codes = [e["code"] for e in doc["errors"]]
    assert codes == [want_code], f"codes {codes}, want {want_code}: {doc}"
    assert doc["errors"][0]["message"]


class Client:
    def __init__(self, url, auth=None):
        self.url = url
        self.auth = auth

    def req(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.auth:
            headers["Authorization"] = self.auth
        return lib.request(method, self.url + path, body, headers)

    def push_blob(self, repo, data):
        status, hdrs, _ = self.req("POST", f"/v2/{repo}/blobs/uploads/")
        assert status == 202, status
        location = hdrs["location"]
        status, hdrs, body = self.req("PUT", f"{location}?digest={sha256(data)}", data,
                                      {"Content-Type": "application/octet-stream"})
        assert status == 201, (status, body)
        assert hdrs["docker-content-digest"] == sha256(data)
        return sha256(data)

    def put_manifest(self, repo, ref, manifest, media_type=OCI_MANIFEST):
        body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
        return self.req("PUT", f"/v2/{repo}/manifests/{ref}", body, {"Content-Type": media_type})


def image(config, layers):
    return {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config[0], "size": config[1]},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": n} for d, n in layers]}


def artifact(subject_digest, subject_size, artifact_type, annotations=None):
    return {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": artifact_type,
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(EMPTY), "size": 2},
            "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(EMPTY), "size": 2}],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": subject_size},
            "annotations": annotations or {"org.opencontainers.image.created": "2026-12-04T00:00:00Z"}}


SERVER = lib.Server(SCITT, WORK, "oci")
C = Client(SERVER.url)


def test_base_endpoint():
    status, hdrs, body = C.req("GET", "/v2/")
    assert status == 200 and hdrs["docker-distribution-api-version"] == "registry/2.0", (status, hdrs)
    assert json.loads(body) == {}


def test_push_and_pull_an_image():
    config = C.push_blob("team/app", b'{"architecture":"amd64"}')
    layer_data = os.urandom(200000)
    # Chunked: POST, PATCH with Content-Range, status GET, last chunk on PUT.
    status, hdrs, _ = C.req("POST", "/v2/team/app/blobs/uploads/", b"", {"Content-Length": "0"})
    assert status == 202
    location = hdrs["location"]
    status, hdrs, _ = C.req("PATCH", location, layer_data[:100000],
                            {"Content-Range": "0-99999", "Content-Type": "application/octet-stream"})
    assert status == 202 and hdrs["range"] == "0-99999", (status, hdrs)
    # Out of order: 416, and the status GET says where to go on.
    oci_error(*C.req("PATCH", location, layer_data[150000:], {"Content-Range": "150000-199999"}), 416,
              "BLOB_UPLOAD_INVALID")
    status, hdrs, _ = C.req("GET", location)
    assert status == 204 and hdrs["range"] == "0-99999", (status, hdrs)
    status, hdrs, body = C.req("PUT", f"{location}?digest={sha256(layer_data)}", layer_data[100000:],
                               {"Content-Range": "100000-199999"})
    assert status == 201, body
    layer = sha256(layer_data)

    manifest = json.dumps(image((config, 24), [(layer, len(layer_data))]), indent=3).encode()
    status, hdrs, body = C.put_manifest("team/app", "v1", manifest)
    assert status == 201, body
    digest = sha256(manifest)
    assert hdrs["docker-content-digest"] == digest
    assert hdrs["location"] == f"/v2/team/app/manifests/{digest}"
    for ref in ("v1", digest):
        status, hdrs, body = C.req("GET", f"/v2/team/app/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
        assert status == 200 and body == manifest, status  # byte for byte
        assert hdrs["content-type"] == OCI_MANIFEST and hdrs["docker-content-digest"] == digest
        status, hdrs, body = C.req("HEAD", f"/v2/team/app/manifests/{ref}")
        assert status == 200 and body == b"" and hdrs["content-length"] == str(len(manifest))
        assert hdrs["docker-content-digest"] == digest
    status, hdrs, body = C.req("GET", f"/v2/team/app/blobs/{layer}")
    assert status == 200 and body == layer_data and hdrs["docker-content-digest"] == layer
    status, hdrs, body = C.req("HEAD", f"/v2/team/app/blobs/{layer}")
    assert status == 200 and body == b"" and hdrs["content-length"] == str(len(layer_data))
    # Ranges (RFC 9110 §14): first-last, first-, -suffix; past the end and inverted are 416.
    for spec, want in (("500-1499", layer_data[500:1500]), ("199000-", layer_data[199000:]),
                       ("-500", layer_data[-500:]), ("199990-300000", layer_data[199990:])):
        status, hdrs, body = C.req("GET", f"/v2/team/app/blobs/{layer}", headers={"Range": "bytes=" + spec})
        assert status == 206 and body == want, (spec, status)
        assert hdrs["content-range"].endswith(f"/{len(layer_data)}")
    for spec in ("200000-", "1499-500"):
        status, hdrs, body = C.req("GET", f"/v2/team/app/blobs/{layer}", headers={"Range": "bytes=" + spec})
        assert status == 416 and hdrs["content-range"] == f"bytes */{len(layer_data)}", (spec, status)
    # A small blob is read whole and sent with the head: the same answers.
    config_data = b'{"architecture":"amd64"}'
    status, hdrs, body = C.req("GET", f"/v2/team/app/blobs/{config}")
    assert status == 200 and body == config_data and hdrs["content-length"] == str(len(config_data))
    status, hdrs, body = C.req("HEAD", f"/v2/team/app/blobs/{config}")
    assert status == 200 and body == b"" and hdrs["content-length"] == str(len(config_data))
    status, hdrs, body = C.req("GET", f"/v2/team/app/blobs/{config}", headers={"Range": "bytes=1-4"})
    assert status == 206 and body == config_data[1:5] and hdrs["content-range"] == f"bytes 1-4/{len(config_data)}"


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def test_large_blobs_stream_through_bounded_memory():
    size_mib = 300
    piece = os.urandom(1 << 20)

    def pieces():
        for i in range(size_mib):
            yield i.to_bytes(8, "big") + piece[8:]

    digest = hashlib.sha256()
    for p in pieces():
        digest.update(p)
    digest = "sha256:" + digest.hexdigest()
    pid = SERVER.proc.pid
    before = rss_kib(pid, "VmRSS")
    # A streamed PATCH (no Content-Range) of 300 MiB, then the closing PUT.
    status, hdrs, _ = C.req("POST", "/v2/big/blobs/uploads/")
    location = hdrs["location"]
    status, hdrs, body = C.req("PATCH", location, pieces(), {"Content-Length": str(size_mib << 20)})
    assert status == 202 and hdrs["range"] == f"0-{(size_mib << 20) - 1}", (status, hdrs, body[:200])
    status, _, body = C.req("PUT", f"{location}?digest={digest}")
    assert status == 201, body
    peak = rss_kib(pid, "VmHWM")
    assert peak - before < 64 * 1024, f"server RSS rose by {(peak - before) // 1024} MiB during the upload"
    print(f"     {size_mib} MiB upload: server peak RSS {(peak - before) / 1024:.1f} MiB above its RSS before")
    # Read back whole (streamed too) and by range.
    status, hdrs, _ = C.req("HEAD", f"/v2/big/blobs/{digest}")
    assert status == 200 and hdrs["content-length"] == str(size_mib << 20)
    status, hdrs, body = C.req("GET", f"/v2/big/blobs/{digest}")
    assert status == 200 and len(body) == size_mib << 20 and "sha256:" + hashlib.sha256(body).hexdigest() == digest
    del body
    status, _, body = C.req("GET", f"/v2/big/blobs/{digest}", headers={"Range": "bytes=5242880-5242895"})
    assert status == 206 and body == (5).to_bytes(8, "big") + piece[8:16]
    # A single POST of 5 MiB, chunked transfer coding (no Content-Length).
    data = os.urandom(5 << 20)
    status, hdrs, body = C.req("POST", f"/v2/big/blobs/uploads/?digest={sha256(data)}",
                               (data[i:i + 65536] for i in range(0, len(data), 65536)))
    assert status == 201, body
    assert C.req("GET", f"/v2/big/blobs/{sha256(data)}")[2] == data
    # Manifests up to 4 MiB (above the 1 MiB statement limit); beyond: 413 as an OCI error.
    config = C.push_blob("big", b"{}")
    manifest = image((config, 2), [])
    manifest["annotations"] = {"padding": "x" * (3 << 20)}
    status, _, body = C.put_manifest("big", "large", manifest)
    assert status == 201, body[:300]
    manifest["annotations"] = {"padding": "x" * (5 << 20)}
    oci_error(*C.put_manifest("big", "too-large", manifest), 413, "SIZE_INVALID")


def test_single_post_mount_and_missing_content():
    data = b"single post"
    status, hdrs, _ = C.req("POST", f"/v2/a/blobs/uploads/?digest={sha256(data)}", data,
                            {"Content-Type": "application/octet-stream"})
    assert status == 201 and hdrs["location"] == f"/v2/a/blobs/{sha256(data)}", (status, hdrs)
    # Up to 64 KiB a single POST is buffered and stored without a session;
    # above, streamed to one. Both refuse a wrong digest and store nothing.
    for size in (0, 65536, 65537):
        blob = os.urandom(size)
        status, _, body = C.req("POST", f"/v2/sizes/blobs/uploads/?digest={sha256(blob)}", blob)
        assert status == 201, (size, body)
        assert C.req("GET", f"/v2/sizes/blobs/{sha256(blob)}")[2] == blob
        other = os.urandom(size + 1)
        oci_error(*C.req("POST", f"/v2/sizes/blobs/uploads/?digest={sha256(blob + b'!')}", other),
                  400, "DIGEST_INVALID")
        oci_error(*C.req("GET", f"/v2/sizes/blobs/{sha256(other)}"), 404, "BLOB_UNKNOWN")
    oci_error(*C.req("POST", "/v2/sizes/blobs/uploads/?digest=sha256:abc", b"x"), 400, "DIGEST_INVALID")
    sha512 = "sha512:" + hashlib.sha512(data).hexdigest()
    assert C.req("POST", f"/v2/sizes/blobs/uploads/?digest={sha512}", data)[0] == 201
    assert C.req("GET", f"/v2/sizes/blobs/{sha512}")[2] == data
    status, hdrs, _ = C.req("POST", f"/v2/b/blobs/uploads/?mount={sha256(data)}&from=a")
    assert status == 201 and hdrs["docker-content-digest"] == sha256(data)
    assert C.req("GET", f"/v2/b/blobs/{sha256(data)}")[2] == data
    # Not mountable from a repository without it: a normal upload starts.
    status, hdrs, _ = C.req("POST", f"/v2/c/blobs/uploads/?mount={sha256(b'nothing')}&from=a")
    assert status == 202 and "/blobs/uploads/" in hdrs["location"]
    oci_error(*C.req("GET", f"/v2/c/blobs/{sha256(data)}"), 404, "BLOB_UNKNOWN")
    oci_error(*C.req("GET", "/v2/c/manifests/nope"), 404, "MANIFEST_UNKNOWN")
    oci_error(*C.req("GET", "/v2/c/blobs/sha256:abc"), 400, "DIGEST_INVALID")
    oci_error(*C.req("GET", "/v2/Bad/blobs/" + sha256(data)), 400, "NAME_INVALID")
    oci_error(*C.req("GET", "/v2/never/tags/list"), 404, "NAME_UNKNOWN")
    oci_error(*C.req("PUT", f"/v2/a/blobs/uploads/0123456789abcdef0123456789abcdef?digest={sha256(data)}", data),
              404, "BLOB_UPLOAD_UNKNOWN")
    # Digest mismatch, and a manifest whose layer is missing.
    status, hdrs, _ = C.req("POST", "/v2/a/blobs/uploads/")
    oci_error(*C.req("PUT", f"{hdrs['location']}?digest={sha256(b'other')}", b"bytes"), 400, "DIGEST_INVALID")
    config = C.push_blob("a", b"{}")
    oci_error(*C.put_manifest("a", "t", image((config, 2), [(sha256(b"absent"), 6)])), 400, "MANIFEST_BLOB_UNKNOWN")
    oci_error(*C.put_manifest("a", "t", b"{not json"), 400, "MANIFEST_INVALID")
    oci_error(*C.put_manifest("a", sha256(b"x"), image((config, 2), [])), 400, "DIGEST_INVALID")
    oci_error(*C.put_manifest("a", "-bad", image((config, 2), [])), 400, "TAG_INVALID")
    # Cancel.
    status, hdrs, _ = C.req("POST", "/v2/a/blobs/uploads/")
    assert C.req("DELETE", hdrs["location"])[0] == 204
    oci_error(*C.req("GET", hdrs["location"]), 404, "BLOB_UPLOAD_UNKNOWN")


def test_referrers_tags_and_deletes():
    C.push_blob("r", EMPTY)
    config = C.push_blob("r", b'{"os":"linux"}')
    subject = image((config, 14), [])
    subject_bytes = json.dumps(subject).encode()
    subject_digest = sha256(subject_bytes)
    # Referrers may be pushed before their subject.
    sbom = artifact(subject_digest, len(subject_bytes), "application/spdx+json", {"k": "sbom"})
    status, hdrs, body = C.put_manifest("r", sha256(json.dumps(sbom).encode()), sbom)
    assert status == 201, body
    assert hdrs["oci-subject"] == subject_digest
    status, _, _ = C.put_manifest("r", "latest", subject_bytes)
    assert status == 201
    statement = artifact(subject_digest, len(subject_bytes), "application/scitt-statement+cose")
    status, hdrs, _ = C.put_manifest("r", sha256(json.dumps(statement).encode()) + "?tag=s1&tag=s2", statement)
    assert status == 201 and hdrs["oci-subject"] == subject_digest
    assert hdrs["oci-tag"] == "s1, s2", hdrs
    # One OCI-Tag field per tag, not one combined field.
    conn = http.client.HTTPConnection("127.0.0.1", int(SERVER.url.rsplit(":", 1)[1]), timeout=30)
    statement_bytes = json.dumps(statement).encode()
    conn.request("PUT", f"/v2/r/manifests/{sha256(statement_bytes)}?tag=s1&tag=s2", statement_bytes,
                 {"Content-Type": OCI_MANIFEST})
    res = conn.getresponse()
    res.read()
    assert res.status == 201 and res.msg.get_all("OCI-Tag") == ["s1", "s2"], res.msg.get_all("OCI-Tag")
    conn.close()

    status, hdrs, body = C.req("GET", f"/v2/r/referrers/{subject_digest}")
    assert status == 200 and hdrs["content-type"] == OCI_INDEX
    index = json.loads(body)
    assert index["schemaVersion"] == 2 and index["mediaType"] == OCI_INDEX
    types = sorted(d["artifactType"] for d in index["manifests"])
    assert types == ["application/scitt-statement+cose", "application/spdx+json"], index
    listed = {d["artifactType"]: d for d in index["manifests"]}
    assert listed["application/spdx+json"]["annotations"] == {"k": "sbom"}
    assert listed["application/spdx+json"]["digest"] == sha256(json.dumps(sbom).encode())
    status, hdrs, body = C.req("GET", f"/v2/r/referrers/{subject_digest}?artifactType=application/spdx%2Bjson")
    assert status == 200 and hdrs["oci-filters-applied"] == "artifactType"
    assert [d["artifactType"] for d in json.loads(body)["manifests"]] == ["application/spdx+json"]
    # Unknown subject: an empty index, not 404; a malformed digest: 400.
    status, _, body = C.req("GET", f"/v2/r/referrers/{sha256(b'unknown')}")
    assert status == 200 and json.loads(body)["manifests"] == []
    oci_error(*C.req("GET", "/v2/r/referrers/sha256:zz"), 400, "DIGEST_INVALID")

    # Tags: sorted, n, last, Link; n=0 is empty without Link.
    status, _, body = C.req("GET", "/v2/r/tags/list")
    assert json.loads(body) == {"name": "r", "tags": ["latest", "s1", "s2"]}
    status, hdrs, body = C.req("GET", "/v2/r/tags/list?n=2")
    assert json.loads(body)["tags"] == ["latest", "s1"]
    assert hdrs["link"] == '</v2/r/tags/list?n=2&last=s1>; rel="next"', hdrs
    status, hdrs, body = C.req("GET", "/v2/r/tags/list?n=2&last=s1")
    assert json.loads(body)["tags"] == ["s2"] and "link" not in hdrs
    status, hdrs, body = C.req("GET", "/v2/r/tags/list?n=0")
    assert json.loads(body)["tags"] == [] and "link" not in hdrs
    oci_error(*C.req("GET", "/v2/r/tags/list?n=-1"), 400, "PAGINATION_NUMBER_INVALID")

    # Deleting a referrer removes it from its subject's list at once.
    assert C.req("DELETE", f"/v2/r/manifests/{sha256(json.dumps(sbom).encode())}")[0] == 202
    index = json.loads(C.req("GET", f"/v2/r/referrers/{subject_digest}")[2])
    assert [d["artifactType"] for d in index["manifests"]] == ["application/scitt-statement+cose"]
    assert C.req("DELETE", "/v2/r/manifests/s1")[0] == 202
    oci_error(*C.req("GET", "/v2/r/manifests/s1"), 404, "MANIFEST_UNKNOWN")
    assert C.req("GET", "/v2/r/manifests/s2")[0] == 200
    oci_error(*C.req("DELETE", "/v2/r/manifests/s1"), 404, "MANIFEST_UNKNOWN")
    assert C.req("DELETE", f"/v2/r/blobs/{config}")[0] == 202
    oci_error(*C.req("GET", f"/v2/r/blobs/{config}"), 404, "BLOB_UNKNOWN")


def test_conditional_manifest_puts():
    """If-Match / If-None-Match (RFC 9110 §13.1) as tag-schema clients use
    them: a stale entity tag is 412 and changes nothing."""
    config = C.push_blob("cond", b'{"os":"linux"}')
    first = json.dumps(image((config, 14), [])).encode()
    second = json.dumps(dict(image((config, 14), []), annotations={"v": "2"})).encode()
    put = lambda body, headers: C.req("PUT", "/v2/cond/manifests/t", body,
                                      dict({"Content-Type": OCI_MANIFEST}, **headers))
    # Create-only: If-None-Match: * on a new tag, then 412 once it exists.
    assert put(first, {"If-None-Match": "*"})[0] == 201
    oci_error(*put(second, {"If-None-Match": "*"}), 412, "DENIED")
    status, hdrs, _ = C.req("GET", "/v2/cond/manifests/t")
    etag = hdrs["etag"]
    assert etag == f'"{sha256(first)}"'
    # If-Match with a stale or weak entity tag: 412, the tag is unchanged.
    oci_error(*put(second, {"If-Match": f'"{sha256(second)}"'}), 412, "DENIED")
    oci_error(*put(second, {"If-Match": f"W/{etag}"}), 412, "DENIED")
    assert C.req("GET", "/v2/cond/manifests/t")[2] == first
    assert put(second, {"If-Match": f'"sha256:{"0" * 64}", {etag}'})[0] == 201
    assert C.req("GET", "/v2/cond/manifests/t")[2] == second
    assert put(first, {"If-Match": "*"})[0] == 201
    oci_error(*C.req("PUT", "/v2/cond/manifests/new", first, {"Content-Type": OCI_MANIFEST, "If-Match": "*"}),
              412, "DENIED")


def test_restart_keeps_everything():
    data = b"kept across a restart"
    digest = C.push_blob("keep", data)
    config = C.push_blob("keep", b"{}")
    assert C.put_manifest("keep", "v1", image((config, 2), [(digest, len(data))]))[0] == 201
    SERVER.kill()  # kill -9: what was answered 201 must survive
    SERVER.start()
    assert C.req("GET", f"/v2/keep/blobs/{digest}")[2] == data
    assert C.req("GET", "/v2/keep/manifests/v1")[0] == 200
    assert json.loads(C.req("GET", "/v2/keep/tags/list")[2])["tags"] == ["v1"]


def test_registry_gc_offline():
    server = lib.Server(SCITT, WORK, "oci-gc")
    client = Client(server.url)
    try:
        kept = client.push_blob("gc", b"kept")
        gone = client.push_blob("gc", b"gone!")
        assert client.req("DELETE", f"/v2/gc/blobs/{gone}")[0] == 202
        # Refused while the service has the directory open.
        busy = subprocess.run([SCITT, "registry", "gc", "--data", server.data], capture_output=True, text=True)
        assert busy.returncode == 2 and "in use" in busy.stderr, (busy.returncode, busy.stderr)
        server.stop()
        dry = subprocess.run([SCITT, "registry", "gc", "--data", server.data, "--dry-run"],
                             capture_output=True, text=True)
        assert dry.returncode == 0 and "would remove: 1 blobs, 5 bytes" in dry.stdout, dry.stdout + dry.stderr
        done = subprocess.run([SCITT, "registry", "gc", "--data", server.data], capture_output=True, text=True)
        assert done.returncode == 0 and "removed:      1 blobs, 5 bytes" in done.stdout, done.stdout + done.stderr
        server.start()
        assert client.req("GET", f"/v2/gc/blobs/{kept}")[2] == b"kept"
        oci_error(*client.req("GET", f"/v2/gc/blobs/{gone}"), 404, "BLOB_UNKNOWN")
        # Its bytes are gone too: mounting it without `from` now starts an upload.
        assert client.req("POST", f"/v2/other/blobs/uploads/?mount={gone}")[0] == 202
    finally:
        server.stop()


def test_pushing_a_statement_registers_it():
    issuer = lib.Issuer()
    keys = os.path.join(WORK, "issuer-keys.json")
    with open(keys, "w") as f:
        json.dump(issuer.jwks(), f)
    server = lib.Server(SCITT, WORK, "oci-scitt", "--issuer-keys", keys)
    client = Client(server.url)
    try:
        # The artifact, then a statement about it as its referrer.
        config = client.push_blob("prod/app", b'{"os":"linux"}')
        image_bytes = json.dumps(image((config, 14), [])).encode()
        assert client.put_manifest("prod/app", "v1", image_bytes)[0] == 201
        image_digest = sha256(image_bytes)
        statement = issuer.sign(image_digest, b'{"spdxVersion":"SPDX-2.3"}')
        client.push_blob("prod/app", EMPTY)
        layer = client.push_blob("prod/app", statement)
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                    "artifactType": "application/scitt-statement+cose",
                    "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(EMPTY), "size": 2},
                    "layers": [{"mediaType": "application/scitt-statement+cose", "digest": layer,
                                "size": len(statement)}],
                    "subject": {"mediaType": OCI_MANIFEST, "digest": image_digest, "size": len(image_bytes)}}
        manifest_bytes = json.dumps(manifest).encode()
        status, hdrs, body = client.put_manifest("prod/app", sha256(manifest_bytes), manifest_bytes)
        assert status == 201, body
        assert hdrs["oci-subject"] == image_digest
        statement_digest = sha256(manifest_bytes)

        # Answered once in the log: the receipt is already a referrer of the statement.
        status, _, body = client.req("GET", f"/v2/prod/app/referrers/{statement_digest}")
        receipts = json.loads(body)["manifests"]
        assert [r["artifactType"] for r in receipts] == ["application/scitt-receipt+cose"], receipts
        entry = int(receipts[0]["annotations"]["org.ietf.scitt.entry"])
        status, _, receipt_manifest = client.req("GET", f"/v2/prod/app/manifests/{receipts[0]['digest']}")
        assert status == 200
        receipt_layer = json.loads(receipt_manifest)["layers"][0]
        assert receipt_layer["mediaType"] == "application/scitt-receipt+cose"
        assert json.loads(receipt_manifest)["subject"]["digest"] == statement_digest
        status, _, receipt = client.req("GET", f"/v2/prod/app/blobs/{receipt_layer['digest']}")
        assert status == 200
        size, index, _ = lib.verify_receipt(server.url, receipt, lib.registered_form(statement))
        assert index == entry
        # The same entry is served by SCRAPI.
        assert lib.request("GET", f"{server.url}/entries/{entry}")[0] == 200
        # The image lists the statement; the statement lists its receipt.
        index_doc = json.loads(client.req("GET", f"/v2/prod/app/referrers/{image_digest}")[2])
        assert [m["digest"] for m in index_doc["manifests"]] == [statement_digest]

        # The _scitt extension: listed by discover, statements with receipts per subject, SCRAPI.
        for path in ("/v2/_oci/ext/discover", "/v2/prod/app/_oci/ext/discover"):
            status, hdrs, body = client.req("GET", path)
            assert status == 200 and hdrs["content-type"] == "application/json", (path, status)
            ext = json.loads(body)["extensions"]
            assert [e["name"] for e in ext] == ["_scitt"] and ext[0]["url"] and ext[0]["endpoints"], ext
        status, _, body = client.req("GET", f"/v2/prod/app/_scitt/statements/{image_digest}")
        assert status == 200, body
        listing = json.loads(body)
        assert listing["subject"] == image_digest
        assert [s["manifest"] for s in listing["statements"]] == [statement_digest]
        assert listing["statements"][0]["receipts"] == [{"manifest": receipts[0]["digest"], "entry": entry}]
        status, _, body = client.req("GET", f"/v2/prod/app/_scitt/statements/{sha256(b'nothing')}")
        assert status == 200 and json.loads(body)["statements"] == []
        status, hdrs, _ = client.req("GET", "/v2/_scitt/.well-known/transparency-configuration")
        assert status == 200 and hdrs["content-type"] == "application/cbor", (status, hdrs)
        other = issuer.sign("pkg:nuget/Example@1.0.0", b'{"bomFormat":"CycloneDX"}')
        status, _, body = client.req("POST", "/v2/_scitt/entries", other, {"Content-Type": "application/cose"})
        assert status == 201, body
        lib.verify_receipt(server.url, body, lib.registered_form(other))
        # Errors there are SCRAPI's problem details, not the registry's.
        lib.problem(*client.req("POST", "/v2/_scitt/entries", b"junk", {"Content-Type": "application/cose"}), 400)

        # Both are protected: a log entry refers to them.
        oci_error(*client.req("DELETE", f"/v2/prod/app/manifests/{statement_digest}"), 405, "UNSUPPORTED")
        oci_error(*client.req("DELETE", f"/v2/prod/app/manifests/{receipts[0]['digest']}"), 405, "UNSUPPORTED")

        # Pushing it again returns the same entry.
        assert client.put_manifest("prod/app", sha256(manifest_bytes), manifest_bytes)[0] == 201
        again = json.loads(client.req("GET", f"/v2/prod/app/referrers/{statement_digest}")[2])["manifests"]
        assert [r["digest"] for r in again] == [receipts[0]["digest"]]

        # A statement the service refuses (an unknown issuer key) stores nothing.
        stranger = lib.Issuer().sign(image_digest, b"{}")
        layer = client.push_blob("prod/app", stranger)
        manifest["layers"][0].update({"digest": layer, "size": len(stranger)})
        refused_bytes = json.dumps(manifest).encode()
        status, hdrs, body = client.put_manifest("prod/app", sha256(refused_bytes), refused_bytes)
        oci_error(status, hdrs, body, 403, "DENIED")
        assert "registration refused" in json.loads(body)["errors"][0]["message"]
        oci_error(*client.req("GET", f"/v2/prod/app/manifests/{sha256(refused_bytes)}"), 404, "MANIFEST_UNKNOWN")
    finally:
        server.stop()


def test_pushes_need_credentials_when_tokens_are_set():
    tokens = os.path.join(WORK, "tokens")
    with open(tokens, "w") as f:
        f.write("s3cret-token\n")
    server = lib.Server(SCITT, WORK, "oci-auth", "--submit-tokens", tokens)
    try:
        anonymous = Client(server.url)
        status, hdrs, body = anonymous.req("POST", "/v2/x/blobs/uploads/")
        oci_error(status, hdrs, body, 401, "UNAUTHORIZED")
        assert hdrs["www-authenticate"].startswith("Basic"), hdrs
        oci_error(*Client(server.url, "Basic " + base64.b64encode(b"user:wrong").decode()).req(
            "POST", "/v2/x/blobs/uploads/"), 401, "UNAUTHORIZED")
        basic = Client(server.url, "Basic " + base64.b64encode(b"anyone:s3cret-token").decode())
        digest = basic.push_blob("x", b"authorized")
        bearer = Client(server.url, "Bearer s3cret-token")
        assert bearer.push_blob("x", b"also") == sha256(b"also")
        # Pulls stay anonymous; the base endpoint challenges (how registry
        # clients learn to send credentials) and accepts the token.
        assert anonymous.req("GET", f"/v2/x/blobs/{digest}")[2] == b"authorized"
        oci_error(*anonymous.req("DELETE", f"/v2/x/blobs/{digest}"), 401, "UNAUTHORIZED")
        status, hdrs, body = anonymous.req("GET", "/v2/")
        oci_error(status, hdrs, body, 401, "UNAUTHORIZED")
        assert hdrs["www-authenticate"] == 'Basic realm="scitt"', hdrs
        assert basic.req("GET", "/v2/")[0] == 200 and bearer.req("GET", "/v2/")[0] == 200
    finally:
        server.stop()
    # Without anonymous pulls, every /v2/ request needs the token.
    server = lib.Server(SCITT, WORK, "oci-private", "--submit-tokens", tokens, "--anonymous-pull", "false")
    try:
        basic = Client(server.url, "Basic " + base64.b64encode(b"anyone:s3cret-token").decode())
        digest = basic.push_blob("x", b"private")
        oci_error(*Client(server.url).req("GET", f"/v2/x/blobs/{digest}"), 401, "UNAUTHORIZED")
        assert basic.req("GET", f"/v2/x/blobs/{digest}")[2] == b"private"
        # SCRAPI reads are not the registry's: still anonymous.
        assert lib.request("GET", server.url + "/.well-known/transparency-configuration")[0] == 200
    finally:
        server.stop()


def test_pulls_are_not_rate_limited_pushes_are():
    """Registry pulls come in bursts (an image's layers): bounded by the
    worker pools, not by --rate-limit; pushes without a token are limited
    like POST /entries."""
    server = lib.Server(SCITT, WORK, "oci-rate", "--rate-limit", "1")
    try:
        client = Client(server.url)
        digest = client.push_blob("r", b"pulled often")
        for _ in range(30):
            status, _, body = client.req("GET", f"/v2/r/blobs/{digest}")
            assert status == 200 and body == b"pulled often", status
        statuses = [client.req("POST", "/v2/r/blobs/uploads/")[0] for _ in range(10)]
        assert 429 in statuses, statuses
        status, hdrs, body = client.req("POST", "/v2/r/blobs/uploads/")
        oci_error(status, hdrs, body, 429, "TOOMANYREQUESTS")
        assert int(hdrs["retry-after"]) >= 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(lib.run_module_tests(globals(), WORK, SERVER))
