#!/usr/bin/python3
"""An independent client against the registry of `scitt serve`: @sigstore/oci
(npm, the library sigstore-js attaches bundles with) pushes an artifact whose
`subject` is an image, through its public API (tests/registry/npm/).

The library decides from the `OCI-Subject` answer to the manifest PUT, and a
`GET /v2/<name>/referrers/<zero digest>` probe, whether the registry has the
referrers API; without it, it keeps the `sha256-<hex>` tag index itself
(distribution-spec "Referrers Tag Schema"). So:
- against scitt (with --submit-tokens; the library signs in with Basic, the
  token as password) it must take the referrers-API path: our referrers
  answer lists the artifact and no `sha256-<hex>` tag exists;
- against Debian's docker-registry (CNCF distribution 2.8.2, no referrers
  API), started here on a free loopback port, it must fall back to the tag.

node/npm, docker-registry: `scripts/setup.sh --test`. The npm package is
installed from tests/registry/npm/package-lock.json with `npm ci` into
NPM_DIR (CMake passes the build tree's; reruns reuse it), never into the
source tree.

Usage: sigstore_oci_test.py PATH/TO/scitt [NPM_DIR]
"""
import base64
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-sigstore-oci-")
NPM_DIR = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.path.join(WORK, "npm")
NPM_SOURCE = os.path.join(HERE, "npm")

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"
BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
ZERO_DIGEST = "sha256:" + "0" * 64
TOKEN = "interop-token-7f3a"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def fallback_tag(digest):
    return digest.replace(":", "-")


# ---- the npm package, installed once per NPM_DIR

def install_client():
    """`npm ci` of the pinned lock file into NPM_DIR, skipped when the same
    lock is already installed there; returns the client script's path."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed (scripts/setup.sh --test installs them)"
    os.makedirs(NPM_DIR, exist_ok=True)
    with open(os.path.join(NPM_SOURCE, "package-lock.json"), "rb") as f:
        lock = f.read()
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    stamp_want = f"{sha256(lock)} node {version}\n"
    stamp = os.path.join(NPM_DIR, ".installed")
    for name in ("package.json", "package-lock.json", "sigstore_oci_client.js"):
        shutil.copyfile(os.path.join(NPM_SOURCE, name), os.path.join(NPM_DIR, name))
    installed = os.path.join(NPM_DIR, "node_modules", "@sigstore", "oci", "package.json")
    if not (os.path.exists(stamp) and open(stamp).read() == stamp_want and os.path.exists(installed)):
        if os.path.exists(stamp):
            os.remove(stamp)
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--cache", os.path.join(NPM_DIR, ".npm-cache")],
            cwd=NPM_DIR, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
            env={**os.environ, "npm_config_update_notifier": "false"})
        assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
        with open(stamp, "w") as f:
            f.write(stamp_want)
    with open(os.path.join(NPM_SOURCE, "package.json")) as f:
        pinned = json.load(f)["dependencies"]["@sigstore/oci"]
    with open(installed) as f:
        assert json.load(f)["version"] == pinned, "installed @sigstore/oci is not the pinned version"
    return os.path.join(NPM_DIR, "sigstore_oci_client.js")


CLIENT_HOME = os.path.join(WORK, "home")


def client(args, home=CLIENT_HOME):
    """Runs the Node client; returns (ok, result)."""
    os.makedirs(home, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HOME=home, NODE_ENV="production")
    result = subprocess.run([shutil.which("node"), CLIENT, json.dumps(args)], capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL, env=env, cwd=NPM_DIR)
    assert result.stdout.strip(), f"no output from the client (exit {result.returncode}):\n{result.stderr}"
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    return result.returncode == 0, doc


def attach(registry_host, repo, subject, artifact, credentials, annotations=None):
    path = os.path.join(WORK, "artifact-" + hashlib.sha256(artifact).hexdigest()[:16])
    with open(path, "wb") as f:
        f.write(artifact)
    return client({"op": "attach", "imageName": f"{registry_host}/{repo}", "imageDigest": subject,
                   "artifactFile": path, "mediaType": BUNDLE_TYPE, "annotations": annotations or {},
                   "credentials": credentials})


# ---- raw HTTP: the subject image, and what the registries hold

def push_image(base, repo, tag, headers=None, seed=b"subject"):
    """Pushes a small image (config + one layer) with POST/PUT uploads and
    returns (digest, manifest bytes). The same seed gives the same bytes."""
    headers = dict(headers or {})
    layer = gzip.compress(seed * 1000, mtime=0)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [sha256(seed * 1000)]}}).encode()
    for blob in (layer, config):
        status, hdrs, body = lib.request("POST", f"{base}/v2/{repo}/blobs/uploads/", headers=headers)
        assert status == 202, (status, body)
        location = hdrs["location"]
        if location.startswith("/"):
            location = base + location
        sep = "&" if "?" in location else "?"
        status, _, body = lib.request("PUT", f"{location}{sep}digest={sha256(blob)}", body=blob,
                                      headers={**headers, "Content-Type": "application/octet-stream"})
        assert status == 201, (status, body)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config),
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(layer),
                    "size": len(layer)}]}).encode()
    status, hdrs, body = lib.request("PUT", f"{base}/v2/{repo}/manifests/{tag}", body=manifest,
                                     headers={**headers, "Content-Type": OCI_MANIFEST})
    assert status == 201, (status, body)
    assert hdrs["docker-content-digest"] == sha256(manifest)
    return sha256(manifest), manifest


def get_manifest(base, repo, ref, accept=OCI_MANIFEST + ", " + OCI_INDEX):
    return lib.request("GET", f"{base}/v2/{repo}/manifests/{ref}", headers={"Accept": accept})


def check_artifact_manifest(base, repo, descriptor, subject, subject_bytes, artifact, annotations):
    """The manifest @sigstore/oci pushed, as the registry serves it."""
    status, hdrs, body = get_manifest(base, repo, descriptor["digest"])
    assert status == 200, (status, body)
    assert sha256(body) == descriptor["digest"] and len(body) == descriptor["size"]
    assert hdrs["docker-content-digest"] == descriptor["digest"]
    assert hdrs["content-type"] == OCI_MANIFEST
    manifest = json.loads(body)
    assert manifest["artifactType"] == BUNDLE_TYPE
    assert manifest["subject"] == {"mediaType": OCI_MANIFEST, "digest": subject, "size": len(subject_bytes)}
    assert manifest["config"] == {"mediaType": EMPTY_CONFIG, "digest": sha256(b"{}"), "size": 2}
    assert [(l["digest"], l["size"], l["mediaType"]) for l in manifest["layers"]] == \
        [(sha256(artifact), len(artifact), BUNDLE_TYPE)]
    for key, value in annotations.items():
        assert manifest["annotations"][key] == value
    assert "org.opencontainers.image.created" in manifest["annotations"]
    assert lib.request("GET", f"{base}/v2/{repo}/blobs/{sha256(artifact)}")[2] == artifact
    assert lib.request("GET", f"{base}/v2/{repo}/blobs/{sha256(b'{}')}")[2] == b"{}"
    return manifest


def referrer_descriptor(descriptor, manifest):
    return {"mediaType": OCI_MANIFEST, "digest": descriptor["digest"], "size": descriptor["size"],
            "artifactType": BUNDLE_TYPE, "annotations": manifest["annotations"]}


# ---- Debian's docker-registry (CNCF distribution 2.8.2)

class LegacyRegistry:
    def __init__(self, work):
        self.port = lib.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        config = os.path.join(work, "docker-registry.yml")
        with open(config, "w") as f:
            f.write(f"""version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {os.path.join(work, "docker-registry-data")}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{self.port}
""")
        binary = shutil.which("docker-registry")
        assert binary, "docker-registry is not installed (scripts/setup.sh --test installs it)"
        self.log_path = os.path.join(work, "docker-registry.log")
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen([binary, "serve", config], stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while True:
                assert self.proc.poll() is None, f"docker-registry exited; see {self.log_path}"
                try:
                    if lib.request("GET", self.url + "/v2/", timeout=5)[0] == 200:
                        return
                except OSError:
                    pass
                assert time.time() < deadline, "docker-registry did not come up"
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)


TOKENS = os.path.join(WORK, "tokens")
with open(TOKENS, "w") as f:
    f.write(TOKEN + "\n")
SERVER = lib.Server(SCITT, WORK, "sigstore-oci", "--submit-tokens", TOKENS)
HOST = SERVER.url[len("http://"):]
BEARER = {"Authorization": "Bearer " + TOKEN}
CREDS = {"username": "sigstore", "password": TOKEN}
LEGACY = None
CLIENT = None


def test_install_the_pinned_client():
    global CLIENT
    CLIENT = install_client()


def test_scitt_takes_the_referrers_api_path():
    subject, subject_bytes = push_image(SERVER.url, "interop/signed", "v1", BEARER)
    ok, got = client({"op": "digest", "imageName": f"{HOST}/interop/signed", "imageTag": "v1",
                      "credentials": CREDS})
    assert ok and got == {"digest": subject}, got

    artifact = json.dumps({"mediaType": BUNDLE_TYPE, "note": "first bundle"}).encode()
    annotations = {"dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"}
    ok, descriptor = attach(HOST, "interop/signed", subject, artifact, CREDS, annotations)
    assert ok, descriptor
    # The library returns the subject digest only when OCI-Subject came back.
    assert descriptor["subjectDigest"] == subject, descriptor
    assert descriptor["mediaType"] == OCI_MANIFEST
    manifest = check_artifact_manifest(SERVER.url, "interop/signed", descriptor, subject, subject_bytes,
                                       artifact, annotations)

    status, hdrs, body = lib.request("GET", f"{SERVER.url}/v2/interop/signed/referrers/{subject}")
    assert status == 200 and hdrs["content-type"] == OCI_INDEX, (status, hdrs)
    index = json.loads(body)
    assert index["schemaVersion"] == 2 and index["mediaType"] == OCI_INDEX
    assert index["manifests"] == [referrer_descriptor(descriptor, manifest)], index
    # The probe the library made: an unknown digest has an empty index, never 404.
    status, _, body = lib.request("GET", f"{SERVER.url}/v2/interop/signed/referrers/{ZERO_DIGEST}")
    assert status == 200 and json.loads(body)["manifests"] == []
    # No tag-schema index was written: the referrers API was enough.
    assert get_manifest(SERVER.url, "interop/signed", fallback_tag(subject))[0] == 404
    status, _, body = lib.request("GET", f"{SERVER.url}/v2/interop/signed/tags/list")
    assert status == 200 and json.loads(body)["tags"] == ["v1"], body


def test_docker_config_credentials_and_a_second_artifact():
    """getRegistryCredentials reads $HOME/.docker/config.json, as sigstore-js does."""
    subject = sha256(get_manifest(SERVER.url, "interop/signed", "v1")[2])
    home = os.path.join(WORK, "docker-home")
    os.makedirs(os.path.join(home, ".docker"))
    with open(os.path.join(home, ".docker", "config.json"), "w") as f:
        json.dump({"auths": {HOST: {"auth": base64.b64encode(f"ci:{TOKEN}".encode()).decode()}}}, f)
    artifact = json.dumps({"mediaType": BUNDLE_TYPE, "note": "second bundle"}).encode()
    path = os.path.join(WORK, "second-artifact")
    with open(path, "wb") as f:
        f.write(artifact)
    ok, descriptor = client({"op": "attach", "imageName": f"{HOST}/interop/signed", "imageDigest": subject,
                             "artifactFile": path, "mediaType": BUNDLE_TYPE, "credentials": "docker-config"},
                            home=home)
    assert ok and descriptor["subjectDigest"] == subject, descriptor
    index = json.loads(lib.request("GET", f"{SERVER.url}/v2/interop/signed/referrers/{subject}")[2])
    assert len(index["manifests"]) == 2 and descriptor["digest"] in [m["digest"] for m in index["manifests"]]
    assert get_manifest(SERVER.url, "interop/signed", fallback_tag(subject))[0] == 404


def test_scitt_refuses_a_push_without_the_token():
    subject = sha256(get_manifest(SERVER.url, "interop/signed", "v1")[2])
    before = lib.request("GET", f"{SERVER.url}/v2/interop/signed/referrers/{subject}")[2]
    for credentials in ({"username": "sigstore", "password": "not-the-token"}, None):
        artifact = json.dumps({"note": "refused", "with": bool(credentials)}).encode()
        ok, result = attach(HOST, "interop/signed", subject, artifact, credentials)
        assert not ok and result["statusCode"] == 401, result
        assert lib.request("HEAD", f"{SERVER.url}/v2/interop/signed/blobs/{sha256(artifact)}")[0] == 404
    assert lib.request("GET", f"{SERVER.url}/v2/interop/signed/referrers/{subject}")[2] == before


def test_docker_registry_gets_the_tag_schema_fallback():
    global LEGACY
    LEGACY = LegacyRegistry(WORK)
    subject, subject_bytes = push_image(LEGACY.url, "interop/signed", "v1")
    # The precondition that makes this a test of the fallback: no referrers API.
    assert lib.request("GET", f"{LEGACY.url}/v2/interop/signed/referrers/{subject}")[0] == 404

    first = json.dumps({"mediaType": BUNDLE_TYPE, "note": "legacy one"}).encode()
    fixed = {"org.opencontainers.image.created": "2026-01-01T00:00:00Z"}
    ok, one = attach(LEGACY.host, "interop/signed", subject, first, None, fixed)
    assert ok, one
    assert "subjectDigest" not in one, one  # no OCI-Subject from distribution 2.8.2
    one_manifest = check_artifact_manifest(LEGACY.url, "interop/signed", one, subject, subject_bytes, first, fixed)

    def fallback_index():
        status, hdrs, body = get_manifest(LEGACY.url, "interop/signed", fallback_tag(subject), accept=OCI_INDEX)
        assert status == 200, (status, body)
        assert hdrs["content-type"] == OCI_INDEX
        index = json.loads(body)
        assert index["schemaVersion"] == 2 and index["mediaType"] == OCI_INDEX
        return index["manifests"]

    assert fallback_index() == [referrer_descriptor(one, one_manifest)]

    second = json.dumps({"mediaType": BUNDLE_TYPE, "note": "legacy two"}).encode()
    ok, two = attach(LEGACY.host, "interop/signed", subject, second, None)
    assert ok, two
    two_manifest = json.loads(get_manifest(LEGACY.url, "interop/signed", two["digest"])[2])
    assert fallback_index() == [referrer_descriptor(one, one_manifest), referrer_descriptor(two, two_manifest)]

    # The same artifact again is the same manifest: listed once.
    ok, again = attach(LEGACY.host, "interop/signed", subject, first, None, fixed)
    assert ok and again["digest"] == one["digest"], again
    assert len(fallback_index()) == 2
    tags = json.loads(lib.request("GET", f"{LEGACY.url}/v2/interop/signed/tags/list")[2])["tags"]
    assert sorted(tags) == sorted(["v1", fallback_tag(subject)]), tags


def test_both_registries_store_the_same_bytes():
    """The same inputs give the same manifest on either side: the subject
    descriptor the library builds from our HEAD answer (Content-Type,
    Docker-Content-Digest, Content-Length) is the one distribution gives."""
    assert LEGACY, "needs the docker-registry of the previous test"
    ours, ours_bytes = push_image(SERVER.url, "interop/same", "v1", BEARER, seed=b"same")
    theirs, theirs_bytes = push_image(LEGACY.url, "interop/same", "v1", seed=b"same")
    assert ours == theirs and ours_bytes == theirs_bytes
    artifact = json.dumps({"mediaType": BUNDLE_TYPE, "note": "same"}).encode()
    fixed = {"org.opencontainers.image.created": "2026-02-02T00:00:00Z"}
    ok, a = attach(HOST, "interop/same", ours, artifact, CREDS, fixed)
    assert ok, a
    ok, b = attach(LEGACY.host, "interop/same", theirs, artifact, None, fixed)
    assert ok, b
    assert a["digest"] == b["digest"], (a, b)
    mine = get_manifest(SERVER.url, "interop/same", a["digest"])[2]
    assert mine == get_manifest(LEGACY.url, "interop/same", b["digest"])[2] and sha256(mine) == a["digest"]


if __name__ == "__main__":
    try:
        code = lib.run_module_tests(globals(), WORK, SERVER)
    finally:
        if LEGACY:
            LEGACY.stop()
    sys.exit(code)
