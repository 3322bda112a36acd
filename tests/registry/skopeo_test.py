#!/usr/bin/python3
"""An independent client against the registry of `scitt serve`: Debian's
skopeo copies an OCI image layout into the registry and back out, and the
digests and bytes must be identical; it lists tags, inspects and deletes.
skopeo is installed by `scripts/setup.sh --test`; the test fails without it.

Usage: skopeo_test.py PATH/TO/scitt
"""
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402
import container_state  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-skopeo-")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write_layout(path, tag, layers):
    """An OCI image layout (image-spec image-layout.md) holding one image."""
    os.makedirs(os.path.join(path, "blobs", "sha256"))

    def blob(data):
        with open(os.path.join(path, "blobs", "sha256", hashlib.sha256(data).hexdigest()), "wb") as f:
            f.write(data)
        return sha256(data)

    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers",
                                    "diff_ids": [sha256(gzip.decompress(l)) for l in layers]}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(l), "size": len(l)}
                   for l in layers]}).encode()
    digest = blob(manifest)
    with open(os.path.join(path, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": OCI_MANIFEST, "digest": digest, "size": len(manifest),
            "annotations": {"org.opencontainers.image.ref.name": tag}}]}, f)
    return digest, manifest


# skopeo never touches the machine's /var/lib/containers.
contained = container_state.private_runner(WORK)


def skopeo(*args):
    result = subprocess.run(contained(["skopeo", "--insecure-policy", *args]), capture_output=True, text=True,
                            timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"skopeo {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


SERVER = lib.Server(SCITT, WORK, "skopeo")
HOST = SERVER.url[len("http://"):]


def test_copy_in_and_out_keeps_every_digest():
    assert shutil.which("skopeo"), "skopeo is not installed (scripts/setup.sh --test installs it)"
    # Already compressed, so skopeo pushes them (and the manifest) unchanged.
    layers = [gzip.compress(os.urandom(300000)), gzip.compress(b"small layer"), gzip.compress(os.urandom(70000))]
    source = os.path.join(WORK, "source")
    digest, manifest = write_layout(source, "v1", layers)
    skopeo("copy", "--preserve-digests", "--dest-tls-verify=false", f"oci:{source}:v1",
           f"docker://{HOST}/interop/app:v1")
    # Pushed byte for byte: the digest the registry serves is the layout's.
    status, hdrs, body = lib.request("GET", f"{SERVER.url}/v2/interop/app/manifests/v1",
                                     headers={"Accept": OCI_MANIFEST})
    assert status == 200 and hdrs["docker-content-digest"] == digest and body == manifest

    raw = skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{HOST}/interop/app:v1")
    assert raw.encode() == manifest or json.loads(raw) == json.loads(manifest)
    tags = json.loads(skopeo("list-tags", "--tls-verify=false", f"docker://{HOST}/interop/app"))
    assert tags["Tags"] == ["v1"], tags

    target = os.path.join(WORK, "target")
    skopeo("copy", "--src-tls-verify=false", f"docker://{HOST}/interop/app:v1", f"oci:{target}:copied")
    with open(os.path.join(target, "index.json")) as f:
        index = json.load(f)
    assert [m["digest"] for m in index["manifests"]] == [digest], index
    for layer in layers:
        with open(os.path.join(target, "blobs", "sha256", hashlib.sha256(layer).hexdigest()), "rb") as f:
            assert f.read() == layer

    # A second repository of the same content mounts or re-uploads it; both work.
    skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
           f"docker://{HOST}/interop/app:v1", f"docker://{HOST}/interop/copy:latest")
    assert lib.request("GET", f"{SERVER.url}/v2/interop/copy/manifests/latest")[1]["docker-content-digest"] == digest

    skopeo("delete", "--tls-verify=false", f"docker://{HOST}/interop/copy:latest")
    assert lib.request("GET", f"{SERVER.url}/v2/interop/copy/manifests/{digest}")[0] == 404


if __name__ == "__main__":
    sys.exit(lib.run_module_tests(globals(), WORK, SERVER))
