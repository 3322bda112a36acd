#!/usr/bin/python3
"""The registry client verbs (`scitt registry attach`, `discover`,
`pull-evidence`, `copy`) through the real binary on loopback, against our
own registry (`scitt serve`, with the referrers API and submit tokens) and
against Debian's docker-registry 2.8.2, which has no referrers API, so the
verbs must keep and read the `sha256-<hex>` referrers tag (distribution-spec
"Referrers Tag Schema"). docker-registry is installed by
`scripts/setup.sh --test`; the tests that need it fail without it.

Usage: client_e2e_test.py PATH/TO/scitt
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import cbor2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import oci_servers as servers  # noqa: E402
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-client-")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
STATEMENT_TYPE = "application/scitt-statement+cose"
RECEIPT_TYPE = "application/scitt-receipt+cose"
TOKEN = "s3cret-token"
BASIC = "Basic " + base64.b64encode(f"anyone:{TOKEN}".encode()).decode()


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write(name, data):
    path = os.path.join(WORK, name)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def scitt(*args, expect=0, env=None):
    """Runs the binary without credentials in the environment unless given."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("SCITT_REGISTRY_") and k not in ("REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR")}
    clean["HOME"] = WORK  # no auth file of the machine's user
    clean.update(env or {})
    result = subprocess.run([SCITT, *args], capture_output=True, text=True, timeout=300, env=clean)
    assert result.returncode == expect, (
        f"scitt {' '.join(args)}: exit {result.returncode}, want {expect}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def peak_rss_kib(*args):
    """The peak resident set of `scitt *args`, in KiB."""
    # wait4's rusage of a child forked by a fresh, small interpreter: Linux
    # counts the memory a process had before exec in its peak, so not one
    # forked from this interpreter, which held 80 MiB.
    measure = ("import os, sys\npid = os.fork()\nif pid == 0:\n    os.execv(sys.argv[1], sys.argv[1:])\n"
               "_, status, usage = os.wait4(pid, 0)\nprint('peak', usage.ru_maxrss, os.waitstatus_to_exitcode(status))")
    result = subprocess.run([sys.executable, "-c", measure, SCITT, *args], capture_output=True, text=True,
                            timeout=300)
    _, kib, code = result.stdout.strip().split("\n")[-1].split()
    assert code == "0", result
    return int(kib)


def one_line_error(result, *words):
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("scitt: "), result.stderr
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


def push_blob(base, repo, data, auth=None):
    headers = {"Authorization": auth} if auth else {}
    status, hdrs, _ = lib.request("POST", f"{base}/v2/{repo}/blobs/uploads/", b"", headers)
    assert status == 202, status
    location = hdrs["location"]
    if location.startswith("/"):
        location = base + location
    sep = "&" if "?" in location else "?"
    status, _, body = lib.request("PUT", f"{location}{sep}digest={sha256(data)}", data,
                                  {**headers, "Content-Type": "application/octet-stream"})
    assert status == 201, (status, body)
    return sha256(data)


def put_manifest(base, repo, ref, manifest, auth=None, media_type=OCI_MANIFEST):
    body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    headers = {"Content-Type": media_type, **({"Authorization": auth} if auth else {})}
    status, hdrs, text = lib.request("PUT", f"{base}/v2/{repo}/manifests/{ref}", body, headers)
    assert status == 201, (status, text)
    return sha256(body), body


def push_image(base, repo, tag, auth=None):
    config = json.dumps({"architecture": "amd64", "os": "linux", "repo": repo}).encode()
    layer = os.urandom(3000)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": push_blob(base, repo, config, auth), "size": len(config)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                            "digest": push_blob(base, repo, layer, auth), "size": len(layer)}]}
    return put_manifest(base, repo, tag, manifest, auth)


def get_json(url):
    status, hdrs, body = lib.request("GET", url, headers={"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"})
    assert status == 200, (url, status, body[:300])
    return json.loads(body), hdrs


def referrers(base, repo, digest):
    return json.loads(lib.request("GET", f"{base}/v2/{repo}/referrers/{digest}")[2])["manifests"]


ISSUER = lib.Issuer()
TOKENS = write("tokens", TOKEN + "\n")
ISSUER_KEYS = write("issuer-keys.json", json.dumps(ISSUER.jwks()))
SERVER = lib.Server(SCITT, WORK, "client", "--issuer-keys", ISSUER_KEYS, "--submit-tokens", TOKENS)
HOST = SERVER.url[len("http://"):]
CREDS = ["--username", "anyone", "--password", TOKEN]
KEYS = os.path.join(WORK, "service-keys.cbor")
IMAGE = {}  # filled by the first test: digest of HOST/app:v1
STATE = {}


def docker_registry():
    if "dr" not in STATE:
        STATE["dr"] = servers.DockerRegistry(WORK)
    return STATE["dr"]


def sign_statement(name, subject, payload):
    return write(name, ISSUER.sign(subject, payload))


# ---- against our registry

def test_service_keys_and_an_image():
    scitt("keys", "fetch", "--url", SERVER.url, "--out", KEYS)
    IMAGE["digest"], IMAGE["bytes"] = push_image(SERVER.url, "app", "v1", BASIC)


def test_attach_registers_once_and_finds_the_registry_receipt():
    statement = sign_statement("sbom.cose", IMAGE["digest"], b'{"spdxVersion":"SPDX-2.3","name":"app"}')
    size_before = lib.checkpoint(SERVER.url)[0]
    # --register at the same service: the push registers it, so no POST /entries.
    out = scitt("registry", "attach", f"{HOST}/app:v1", statement, "--register", SERVER.url, "--token", TOKEN,
                *CREDS).stdout
    lines = dict(line.split(":", 1) for line in out.strip().split("\n") if line.startswith(("statement", "receipt")))
    statement_digest = lines["statement"].strip()
    assert "(attached by the registry)" in lines["receipt"], out
    listed = referrers(SERVER.url, "app", IMAGE["digest"])
    assert [m["digest"] for m in listed] == [statement_digest], listed
    assert listed[0]["artifactType"] == STATEMENT_TYPE
    assert listed[0]["annotations"]["org.ietf.scitt.issuer"] == "https://issuer.example"
    receipts = referrers(SERVER.url, "app", statement_digest)
    assert [r["artifactType"] for r in receipts] == [RECEIPT_TYPE], receipts  # one, not two
    # Registered exactly once: one more log entry.
    assert lib.checkpoint(SERVER.url)[0] == size_before + 1
    STATE["statement"] = statement_digest
    STATE["receipt"] = receipts[0]["digest"]


def test_pushes_need_credentials_and_errors_are_one_line():
    statement = sign_statement("anon.cose", IMAGE["digest"], b'{"anonymous":true}')
    one_line_error(scitt("registry", "attach", f"{HOST}/app:v1", statement, expect=2), "401", "credentials")
    one_line_error(scitt("registry", "attach", f"{HOST}/app:nope", statement, *CREDS, expect=2),
                   "does not exist", "MANIFEST_UNKNOWN")
    one_line_error(scitt("registry", "discover", "app:v1", expect=2), "no registry host")
    one_line_error(scitt("registry", "attach", f"{HOST}/app:v1", statement, "--username", "x", expect=2),
                   "--password")


def test_credentials_from_an_auth_file_and_the_environment():
    auth_file = write("auth.json", json.dumps(
        {"auths": {HOST: {"auth": base64.b64encode(f"me:{TOKEN}".encode()).decode()}}}))
    statement = sign_statement("vex.cose", IMAGE["digest"], b'{"@context":"https://openvex.dev/ns/v0.2.0"}')
    out = scitt("registry", "attach", f"{HOST}/app:v1", statement, env={"REGISTRY_AUTH_FILE": auth_file}).stdout
    assert "statement: sha256:" in out, out
    wrong = write("wrong-auth.json", json.dumps(
        {"auths": {HOST: {"auth": base64.b64encode(b"me:wrong").decode()}}}))
    statement2 = sign_statement("vex2.cose", IMAGE["digest"], b'{"vex":2}')
    one_line_error(scitt("registry", "attach", f"{HOST}/app:v1", statement2,
                         env={"REGISTRY_AUTH_FILE": wrong}, expect=2), "401")
    out = scitt("registry", "attach", f"{HOST}/app:v1", statement2,
                env={"SCITT_REGISTRY_USERNAME": "me", "SCITT_REGISTRY_PASSWORD": TOKEN}).stdout
    assert "statement: sha256:" in out, out
    assert len(referrers(SERVER.url, "app", IMAGE["digest"])) == 3


def test_discover_tree_shows_statements_and_verified_receipts():
    doc = json.loads(scitt("registry", "discover", f"{HOST}/app:v1", "--tree", "--json",
                           "--service-keys", KEYS).stdout)
    assert doc["subject"]["digest"] == IMAGE["digest"]
    statements = doc["referrers"]
    assert len(statements) == 3 and all(s["artifactType"] == STATEMENT_TYPE for s in statements), statements
    for s in statements:
        assert s["issuer"] == "https://issuer.example", s
        assert [r["artifactType"] for r in s["referrers"]] == [RECEIPT_TYPE], s
        assert s["referrers"][0]["receipt"] == "verified", s
    # Keys fetched from the service work the same; without keys nothing is checked.
    text = scitt("registry", "discover", f"{HOST}/app:v1", "--tree", "--service", SERVER.url).stdout
    assert text.count("receipt: verified") == 3, text
    text = scitt("registry", "discover", f"{HOST}/app:v1", "--tree").stdout
    assert text.count("receipt: not checked (no keys)") == 3, text
    # Filtered, first level only.
    doc = json.loads(scitt("registry", "discover", f"{HOST}/app:v1", "--json", "--artifact-type",
                           RECEIPT_TYPE).stdout)
    assert doc["referrers"] == [], doc


def test_pull_evidence_writes_a_layout_and_verified_transparent_statements():
    out_dir = os.path.join(WORK, "evidence")
    out = scitt("registry", "pull-evidence", f"{HOST}/app:v1", "--out", out_dir, "--service-keys", KEYS).stdout
    assert "3 statement(s), 3 receipt(s) (3 verified)" in out, out
    with open(os.path.join(out_dir, "oci-layout")) as f:
        assert json.load(f) == {"imageLayoutVersion": "1.0.0"}
    with open(os.path.join(out_dir, "index.json")) as f:
        index = json.load(f)
    digests = [m["digest"] for m in index["manifests"]]
    assert digests[0] == IMAGE["digest"] and STATE["statement"] in digests and STATE["receipt"] in digests
    for digest in digests:  # every manifest and blob is in blobs/, by its digest
        with open(os.path.join(out_dir, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
            assert sha256(f.read()) == digest
    hex_ = STATE["statement"].split(":")[1]
    with open(os.path.join(out_dir, "statements", hex_ + ".cose"), "rb") as f:
        statement = f.read()
    with open(os.path.join(WORK, "sbom.cose"), "rb") as f:
        assert statement == f.read()
    with open(os.path.join(out_dir, "statements", hex_ + ".transparent.cose"), "rb") as f:
        transparent = cbor2.loads(f.read())
    receipts = transparent.value[1][394]
    assert len(receipts) == 1
    lib.verify_receipt(SERVER.url, receipts[0], lib.registered_form(statement))


def tamper_receipt(repo, statement_digest):
    """A second receipt manifest for the statement whose receipt's signature
    is changed: what a registry could serve, and the verbs must catch."""
    receipt_manifest, _ = get_json(f"{SERVER.url}/v2/{repo}/referrers/{statement_digest}")
    good = receipt_manifest["manifests"][0]
    manifest, _ = get_json(f"{SERVER.url}/v2/{repo}/manifests/{good['digest']}")
    receipt = lib.request("GET", f"{SERVER.url}/v2/{repo}/blobs/{manifest['layers'][0]['digest']}")[2]
    tag = cbor2.loads(receipt)
    signature = bytearray(tag.value[3])
    signature[5] ^= 1
    tag.value[3] = bytes(signature)
    bad = cbor2.dumps(tag)
    manifest["layers"][0].update({"digest": push_blob(SERVER.url, repo, bad, BASIC), "size": len(bad)})
    manifest["annotations"] = {"org.ietf.scitt.entry": "tampered"}
    return put_manifest(SERVER.url, repo, sha256(json.dumps(manifest).encode()), manifest, BASIC)[0]


def test_a_tampered_receipt_fails_pull_evidence_and_discover():
    digest, _ = push_image(SERVER.url, "tampered/app", "v1", BASIC)
    statement = sign_statement("tampered.cose", digest, b'{"spdxVersion":"SPDX-2.3","name":"t"}')
    out = scitt("registry", "attach", f"{HOST}/tampered/app:v1", statement, *CREDS).stdout
    statement_digest = out.split("statement: ")[1].split()[0]
    bad = tamper_receipt("tampered/app", statement_digest)
    result = scitt("registry", "pull-evidence", f"{HOST}/tampered/app:v1", "--out", os.path.join(WORK, "bad"),
                   "--service-keys", KEYS, expect=1)
    assert "FAILED" in result.stdout and "1 receipt(s) FAILED" in result.stderr, result
    with open(os.path.join(WORK, "bad", "statements", statement_digest.split(":")[1] + ".transparent.cose"),
              "rb") as f:
        assert len(cbor2.loads(f.read()).value[1][394]) == 1  # only the good receipt is attached
    result = scitt("registry", "discover", f"{HOST}/tampered/app:v1", "--tree", "--json", "--service-keys", KEYS,
                   expect=1)
    verdicts = {r["digest"]: r["receipt"] for r in json.loads(result.stdout)["referrers"][0]["referrers"]}
    assert verdicts[bad].startswith("FAILED: ") and list(verdicts.values()).count("verified") == 1, verdicts


def test_referrers_pages_are_followed_filtered_and_loops_refused():
    fake = servers.PagedRegistry()
    doc = json.loads(scitt("registry", "discover", f"{fake.host}/paged:v1", "--json").stdout)
    assert [r["annotations"]["page"] for r in doc["referrers"]] == ["1", "1", "2"], doc
    # No OCI-Filters-Applied came back: the client filters the pages itself.
    doc = json.loads(scitt("registry", "discover", f"{fake.host}/paged:v1", "--json", "--artifact-type",
                           "application/spdx+json").stdout)
    assert [r["artifactType"] for r in doc["referrers"]] == ["application/spdx+json"] * 2, doc
    one_line_error(scitt("registry", "discover", f"{fake.host}/loop:v1", expect=2), "Link", "page already read")


# ---- against docker-registry 2.8.2 (no referrers API)

def test_copy_to_docker_registry_uses_the_referrers_tag():
    dr = docker_registry()
    assert lib.request("GET", f"{dr.url}/v2/app/referrers/{IMAGE['digest']}")[0] == 404  # no API there
    out = scitt("registry", "copy", f"{HOST}/app:v1", f"{dr.host}/mirror/app:v1", "--with-referrers",
                "--service-keys", KEYS, *CREDS).stdout
    assert "6 referrer(s) copied, 3 receipt(s) verified" in out, out
    status, hdrs, body = lib.request("GET", f"{dr.url}/v2/mirror/app/manifests/v1", headers={"Accept": OCI_MANIFEST})
    assert status == 200 and body == IMAGE["bytes"], status  # byte for byte
    index, _ = get_json(f"{dr.url}/v2/mirror/app/manifests/sha256-{IMAGE['digest'].split(':')[1]}")
    assert index["mediaType"] == OCI_INDEX
    listed = {m["digest"]: m for m in index["manifests"]}
    assert STATE["statement"] in listed and len(listed) == 3, index
    assert listed[STATE["statement"]]["artifactType"] == STATEMENT_TYPE
    assert listed[STATE["statement"]]["annotations"]["org.ietf.scitt.issuer"] == "https://issuer.example"
    receipt_index, _ = get_json(f"{dr.url}/v2/mirror/app/manifests/sha256-{STATE['statement'].split(':')[1]}")
    assert [m["digest"] for m in receipt_index["manifests"]] == [STATE["receipt"]]
    # Copying again adds nothing twice.
    scitt("registry", "copy", f"{HOST}/app:v1", f"{dr.host}/mirror/app:v1", "--with-referrers",
          "--service-keys", KEYS)
    index, _ = get_json(f"{dr.url}/v2/mirror/app/manifests/sha256-{IMAGE['digest'].split(':')[1]}")
    assert len(index["manifests"]) == 3, index


def test_discover_and_pull_evidence_on_docker_registry_read_the_tag():
    dr = docker_registry()
    doc = json.loads(scitt("registry", "discover", f"{dr.host}/mirror/app:v1", "--tree", "--json",
                           "--service-keys", KEYS).stdout)
    assert len(doc["referrers"]) == 3
    assert all(s["referrers"][0]["receipt"] == "verified" for s in doc["referrers"]), doc
    out = scitt("registry", "pull-evidence", f"{dr.host}/mirror/app:v1", "--out", os.path.join(WORK, "dr-evidence"),
                "--service-keys", KEYS).stdout
    assert "3 receipt(s) (3 verified)" in out, out


def test_copy_of_an_index_brings_its_child_manifests():
    dr = docker_registry()
    children = [push_image(SERVER.url, "multi", f"arch{i}", BASIC) for i in range(2)]
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX,
             "manifests": [{"mediaType": OCI_MANIFEST, "digest": d, "size": len(b),
                            "platform": {"os": "linux", "architecture": a}}
                           for (d, b), a in zip(children, ["amd64", "arm64"])]}
    digest, body = put_manifest(SERVER.url, "multi", "v1", index, BASIC, OCI_INDEX)
    out = scitt("registry", "copy", f"{HOST}/multi@{digest}", f"{dr.host}/multi").stdout
    assert f"copied    {digest} to {dr.host}/multi:{digest}" in out, out
    status, _, served = lib.request("GET", f"{dr.url}/v2/multi/manifests/{digest}", headers={"Accept": OCI_INDEX})
    assert status == 200 and served == body
    for child, child_body in children:
        status, _, served = lib.request("GET", f"{dr.url}/v2/multi/manifests/{child}", headers={"Accept": OCI_MANIFEST})
        assert status == 200 and served == child_body
        for blob in json.loads(child_body)["layers"]:
            assert lib.request("HEAD", f"{dr.url}/v2/multi/blobs/{blob['digest']}")[0] == 200
    # Not a registry, or nothing listening: one line that says so.
    one_line_error(scitt("registry", "discover", f"{servers.not_a_registry()}/x:v1", expect=2),
                   "is not an OCI registry")
    one_line_error(scitt("registry", "discover", f"127.0.0.1:{lib.free_port()}/x:v1", expect=2), "cannot connect")


def test_copy_streams_a_layer_larger_than_any_buffer():
    dr = docker_registry()
    layer = os.urandom(80 << 20)  # over the 64 MiB a response may hold in memory
    config = b'{"os":"linux"}'
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": push_blob(SERVER.url, "big", config, BASIC), "size": len(config)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                            "digest": push_blob(SERVER.url, "big", layer, BASIC), "size": len(layer)}]}
    put_manifest(SERVER.url, "big", "v1", manifest, BASIC)
    layer_digest, layer_size = sha256(layer), len(layer)
    del layer
    # The copy's own peak resident set, against a discover of the same image
    # (which reads no blob) as the baseline of this build (ASan's is larger):
    # the layer must not pass through memory, so far less than its size on top.
    baseline = peak_rss_kib("registry", "discover", f"{HOST}/big:v1")
    copy = peak_rss_kib("registry", "copy", f"{HOST}/big:v1", f"{dr.host}/big:v1")
    assert copy < baseline + (32 << 10), f"copy peaked at {copy} KiB, discover at {baseline} KiB"
    status, hdrs, _ = lib.request("HEAD", f"{dr.url}/v2/big/blobs/{layer_digest}")
    assert status == 200 and int(hdrs["content-length"]) == layer_size


def test_copy_writes_nothing_when_a_receipt_does_not_verify():
    dr = docker_registry()
    other = os.path.join(WORK, "other.pem")
    scitt("key", "generate", "--out", other)
    wrong_keys = os.path.join(WORK, "other.pub.pem")
    scitt("key", "export", other, "--format", "pem", "--out", wrong_keys)
    cases = [(f"{HOST}/tampered/app:v1", "tampered", ["--service-keys", KEYS], "does not verify"),
             (f"{HOST}/app:v1", "wrongkeys", ["--service-keys", wrong_keys], "does not verify"),
             (f"{HOST}/app:v1", "nokeys", [], "--service-keys")]
    for source, target, keys, words in cases:
        result = scitt("registry", "copy", source, f"{dr.host}/{target}:v1", "--with-referrers", *keys, expect=1)
        one_line_error(result, words, "nothing was written")
        assert lib.request("GET", f"{dr.url}/v2/{target}/manifests/v1")[0] == 404, target
        catalog = json.loads(lib.request("GET", f"{dr.url}/v2/_catalog")[2])["repositories"]
        assert target not in catalog, catalog


def test_attach_register_pushes_statement_and_receipt_to_docker_registry():
    dr = docker_registry()
    digest, _ = push_image(dr.url, "plain/app", "v2")
    statement = sign_statement("provenance.cose", digest, b'{"_type":"https://in-toto.io/Statement/v1"}')
    out = scitt("registry", "attach", f"{dr.host}/plain/app:v2", statement, "--register", SERVER.url,
                "--token", TOKEN).stdout
    assert "registered: " in out and "(attached by the registry)" not in out, out
    statement_digest = out.split("statement: ")[1].split()[0]
    receipt_digest = out.split("receipt:   ")[1].split()[0]
    index, _ = get_json(f"{dr.url}/v2/plain/app/manifests/sha256-{digest.split(':')[1]}")
    assert [m["digest"] for m in index["manifests"]] == [statement_digest]
    index, _ = get_json(f"{dr.url}/v2/plain/app/manifests/sha256-{statement_digest.split(':')[1]}")
    assert [m["digest"] for m in index["manifests"]] == [receipt_digest]
    doc = json.loads(scitt("registry", "discover", f"{dr.host}/plain/app:v2", "--tree", "--json",
                           "--service", SERVER.url).stdout)
    assert doc["referrers"][0]["referrers"][0]["receipt"] == "verified", doc

    # A transparent statement brings its receipts along (header 394).
    other = sign_statement("scan.cose", digest, b'{"version":"2.1.0","runs":[]}')
    transparent = os.path.join(WORK, "scan.transparent.cose")
    scitt("register", other, "--url", SERVER.url, "--token", TOKEN, "--out", transparent)
    out = scitt("registry", "attach", f"{dr.host}/plain/app:v2", transparent).stdout
    pushed = out.split("statement: ")[1].split()[0]
    layer = get_json(f"{dr.url}/v2/plain/app/manifests/{pushed}")[0]["layers"][0]["digest"]
    stored = lib.request("GET", f"{dr.url}/v2/plain/app/blobs/{layer}")[2]
    with open(other, "rb") as f:
        assert stored == f.read()  # the statement, without its receipts
    doc = json.loads(scitt("registry", "discover", f"{dr.host}/plain/app:v2", "--tree", "--json",
                           "--service-keys", KEYS).stdout)
    by_digest = {s["digest"]: s for s in doc["referrers"]}
    assert [r["receipt"] for r in by_digest[pushed]["referrers"]] == ["verified"], by_digest[pushed]


def test_bearer_token_flow_with_a_token_realm():
    gateway = servers.TokenGateway(docker_registry())
    target = f"{gateway.host}/bearer/app:v1"
    out = scitt("registry", "copy", f"{HOST}/app:v1", target, "--with-referrers", "--service-keys", KEYS,
                "--creds", f"{servers.TokenGateway.USER}:{servers.TokenGateway.PASSWORD}").stdout
    assert "6 referrer(s) copied" in out, out
    assert gateway.bearer_requests > 0
    # Cached per scope: a token per scope asked for, not one per request.
    assert "repository:bearer/app:pull,push" in gateway.token_requests, gateway.token_requests
    assert len(gateway.token_requests) <= 4, gateway.token_requests
    # Anonymous pulls get a pull token; the tree is read through the tag.
    doc = json.loads(scitt("registry", "discover", target, "--tree", "--json", "--service-keys", KEYS).stdout)
    assert [s["referrers"][0]["receipt"] for s in doc["referrers"]] == ["verified"] * 3, doc
    # Wrong credentials: the realm refuses them, one line.
    statement = sign_statement("denied.cose", IMAGE["digest"], b'{"denied":true}')
    one_line_error(scitt("registry", "attach", target, statement, "--creds", "tokenuser:wrong", expect=2),
                   "token request", "401")


if __name__ == "__main__":
    try:
        code = lib.run_module_tests(globals(), WORK, SERVER)
    finally:
        if "dr" in STATE:
            STATE["dr"].stop()
    sys.exit(code)
