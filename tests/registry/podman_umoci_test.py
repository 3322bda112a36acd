#!/usr/bin/python3
"""Independent clients against the registry of `scitt serve`: umoci builds an
OCI image layout (three layers, one of them a whiteout, and a config); skopeo
and podman push it (OCI and Docker v2 schema 2 manifests, and manifest lists)
and pull it back, and every digest and byte is compared; `umoci ls`/`umoci
unpack` on the pulled layouts prove them usable. The round trips go to a
registry without tokens; a second one with --submit-tokens checks that pushes
without the token are refused and (`skopeo --dest-creds`, `podman login`)
with it are taken.

podman runs as it would on a CI machine without systemd: storage driver vfs
in a temporary root, cgroupfs, no events, and its own registries.conf,
storage.conf, containers.conf, policy and auth file under the work directory
(HOME and XDG_* too), and, where a private mount namespace can be had, its
own /var/lib/containers (skopeo too), so nothing of the machine's container
state is read or written. It only pulls and pushes: no container is run and
no process stays.

skopeo, podman, umoci: `scripts/setup.sh --test`; the test fails without them.

Usage: podman_umoci_test.py PATH/TO/scitt
"""
import gzip
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402
import container_state  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
# podman names an image pulled from an OCI layout after the layout's path,
# and a reference's path components may not start or end with "_" nor hold
# "_-" (distribution's reference grammar): mkdtemp's random names, drawn
# from [a-z0-9_], broke it now and then. Hex digits always fit (8 of them, as
# mkdtemp makes: podman refuses a runroot path over 50 characters).
WORK = os.path.join(tempfile.gettempdir(), "scitt-podman-umoci-" + secrets.token_hex(4))
os.mkdir(WORK, 0o700)
TOKEN = "podman-umoci-token-51c"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
ACCEPT = ", ".join([OCI_MANIFEST, DOCKER_MANIFEST])


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def run(argv, env=None, expect_ok=True):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, env=env)
    if expect_ok:
        assert result.returncode == 0, f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr}"
    return result


def tool(name):
    path = shutil.which(name)
    assert path, f"{name} is not installed (scripts/setup.sh --test installs it)"
    return path


def umoci(*args):
    return run([tool("umoci"), *args]).stdout


# skopeo and podman never touch the machine's /var/lib/containers.
contained = container_state.private_runner(WORK)


def skopeo(*args, expect_ok=True):
    return run(contained([tool("skopeo"), "--insecure-policy", *args]), expect_ok=expect_ok)


# ---- OCI image layouts

class Layout:
    """An OCI image layout on disk (image-spec image-layout.md)."""

    def __init__(self, path):
        self.path = path

    def blob(self, digest):
        algorithm, hexpart = digest.split(":")
        with open(os.path.join(self.path, "blobs", algorithm, hexpart), "rb") as f:
            data = f.read()
        assert sha256(data) == digest, f"layout blob {digest} does not match its name"
        return data

    def descriptor(self, ref):
        with open(os.path.join(self.path, "index.json")) as f:
            index = json.load(f)
        found = [m for m in index["manifests"]
                 if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref]
        assert len(found) == 1, f"{ref} in {index}"
        return found[0]

    def image(self, ref):
        """(manifest digest, manifest bytes, config bytes, [layer bytes])"""
        desc = self.descriptor(ref)
        manifest_bytes = self.blob(desc["digest"])
        manifest = json.loads(manifest_bytes)
        return (desc["digest"], manifest_bytes, self.blob(manifest["config"]["digest"]),
                [self.blob(l["digest"]) for l in manifest["layers"]])


def read_tree(root):
    """{relative path: (mode bits, bytes)} of the regular files under root."""
    out = {}
    for base, _, files in os.walk(root):
        for name in files:
            path = os.path.join(base, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    out[os.path.relpath(path, root)] = (os.stat(path).st_mode & 0o777, f.read())
    return out


EXPECTED = {}  # the rootfs the built image unpacks to


def build_layout():
    """umoci init/new/insert/unpack/repack/config: returns the Layout, tag v1."""
    src = os.path.join(WORK, "umoci-src")
    files = os.path.join(WORK, "files")
    os.makedirs(os.path.join(files, "etc"))
    os.makedirs(os.path.join(files, "app"))
    content = {
        "etc/app.conf": (0o644, b"listen = 127.0.0.1\n"),
        "etc/hello.txt": (0o644, b"removed by the third layer\n"),
        "app/run.sh": (0o755, b"#!/bin/sh\necho interop\n"),
        "app/data.bin": (0o644, os.urandom(200_000)),  # incompressible: a layer of some size
    }
    for rel, (mode, data) in content.items():
        with open(os.path.join(files, rel), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(files, rel), mode)
    umoci("init", "--layout", src)
    umoci("new", "--image", f"{src}:base")
    umoci("insert", "--image", f"{src}:base", os.path.join(files, "etc"), "/etc")
    umoci("insert", "--image", f"{src}:base", os.path.join(files, "app"), "/opt/app")
    bundle = os.path.join(WORK, "bundle")
    umoci("unpack", "--image", f"{src}:base", bundle)
    rootfs = os.path.join(bundle, "rootfs")
    os.remove(os.path.join(rootfs, "etc", "hello.txt"))
    with open(os.path.join(rootfs, "opt", "app", "VERSION"), "wb") as f:
        f.write(b"1.2.3\n")
    umoci("repack", "--image", f"{src}:v1", bundle)
    umoci("config", "--image", f"{src}:v1", "--config.cmd", "/opt/app/run.sh", "--config.env", "APP_MODE=interop",
          "--config.label", "org.example.interop=yes", "--author", "scitt tests", "--os", "linux",
          "--architecture", "amd64")
    umoci("gc", "--layout", src)
    EXPECTED.clear()
    EXPECTED.update({
        "etc/app.conf": content["etc/app.conf"],
        "opt/app/run.sh": content["app/run.sh"],
        "opt/app/data.bin": content["app/data.bin"],
        "opt/app/VERSION": (0o644, b"1.2.3\n"),
    })
    return Layout(src)


def check_usable(layout_dir, ref):
    """umoci lists the tag and unpacks it to the expected files and config."""
    assert ref in umoci("ls", "--layout", layout_dir).split(), umoci("ls", "--layout", layout_dir)
    bundle = os.path.join(WORK, "unpacked-" + os.path.basename(layout_dir))
    umoci("unpack", "--image", f"{layout_dir}:{ref}", bundle)
    tree = read_tree(os.path.join(bundle, "rootfs"))
    assert tree == EXPECTED, sorted(tree)
    with open(os.path.join(bundle, "config.json")) as f:
        runtime = json.load(f)
    assert runtime["process"]["args"] == ["/opt/app/run.sh"], runtime["process"]
    assert "APP_MODE=interop" in runtime["process"]["env"]


def registry_image(server, repo, ref):
    """What our registry serves: (digest, manifest bytes, content type, config bytes, [layer bytes])."""
    status, hdrs, body = lib.request("GET", f"{server.url}/v2/{repo}/manifests/{ref}", headers={"Accept": ACCEPT})
    assert status == 200, (status, body)
    assert hdrs["docker-content-digest"] == sha256(body)
    manifest = json.loads(body)
    # The type as pushed (umoci's and podman's OCI manifests have no mediaType field).
    assert hdrs["content-type"] == manifest.get("mediaType", hdrs["content-type"]), hdrs

    def blob(desc):
        status, h, data = lib.request("GET", f"{server.url}/v2/{repo}/blobs/{desc['digest']}")
        assert status == 200 and sha256(data) == desc["digest"] and len(data) == desc["size"], (status, desc)
        assert h["docker-content-digest"] == desc["digest"]
        return data
    return sha256(body), body, hdrs["content-type"], blob(manifest["config"]), [blob(l) for l in manifest["layers"]]


def diff_ids(config_bytes):
    return json.loads(config_bytes)["rootfs"]["diff_ids"]


# ---- podman, isolated from the machine's configuration and storage

class Podman:
    def __init__(self, work, registry_hosts):
        self.dir = os.path.join(work, "podman")
        d = lambda *p: os.path.join(self.dir, *p)  # noqa: E731
        for sub in ("home", "run", "config", "data", "cache", "tmp", "root", "runroot"):
            os.makedirs(d(sub))
        os.chmod(d("run"), 0o700)
        self.root, self.runroot, self.tmp = d("root"), d("runroot"), d("tmp")
        self.authfile = d("auth.json")
        with open(self.authfile, "w") as f:  # podman refuses a REGISTRY_AUTH_FILE that does not exist
            json.dump({"auths": {}}, f)
        with open(d("registries.conf"), "w") as f:
            f.write("unqualified-search-registries = []\n")
            for host in registry_hosts:
                f.write(f'\n[[registry]]\nlocation = "{host}"\ninsecure = true\n')
        with open(d("storage.conf"), "w") as f:
            f.write(f'[storage]\ndriver = "vfs"\nrunroot = "{self.runroot}"\ngraphroot = "{self.root}"\n')
        with open(d("containers.conf"), "w") as f:
            f.write(f'[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\ntmp_dir = "{self.tmp}"\n'
                    f'image_copy_tmp_dir = "{self.tmp}"\n')
        self.policy = d("policy.json")
        with open(self.policy, "w") as f:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "HOME": d("home"), "XDG_RUNTIME_DIR": d("run"), "XDG_CONFIG_HOME": d("config"),
            "XDG_DATA_HOME": d("data"), "XDG_CACHE_HOME": d("cache"), "TMPDIR": self.tmp,
            "CONTAINERS_REGISTRIES_CONF": d("registries.conf"), "CONTAINERS_STORAGE_CONF": d("storage.conf"),
            "CONTAINERS_CONF": d("containers.conf"), "REGISTRY_AUTH_FILE": self.authfile,
        }

    def __call__(self, *args, expect_ok=True):
        return run(contained([tool("podman"), "--root", self.root, "--runroot", self.runroot,
                              "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none",
                              "--tmpdir", self.tmp, *args]),
                   env=self.env, expect_ok=expect_ok)

    def cleanup(self):
        """Removes the images (vfs layers are plain directories) and checks
        that no podman process is left behind."""
        self("rmi", "--all", "--force")
        left = subprocess.run(["pgrep", "-f", self.root], capture_output=True, text=True).stdout.split()
        assert not left, f"podman processes left: {left}"


def image_in_layout_of(podman, image, out):
    """podman writes what it holds as an OCI layout (tag `pulled`)."""
    podman("push", "--format", "oci", image, f"oci:{out}:pulled")
    return Layout(out).image("pulled")


TOKENS = os.path.join(WORK, "tokens")
with open(TOKENS, "w") as f:
    f.write(TOKEN + "\n")
# Two registries: OPEN takes anonymous pushes (the round trips, which must not
# depend on authentication), SERVER needs the submit token.
OPEN = lib.Server(SCITT, WORK, "open")
try:
    SERVER = lib.Server(SCITT, WORK, "tokens", "--submit-tokens", TOKENS)
except BaseException:
    OPEN.stop()
    raise
OPEN_HOST = OPEN.url[len("http://"):]
HOST = SERVER.url[len("http://"):]
CREDS = f"interop:{TOKEN}"
SOURCE = None
PODMAN = None


def test_umoci_builds_a_layout():
    global SOURCE, PODMAN
    SOURCE = build_layout()
    digest, manifest_bytes, config_bytes, layers = SOURCE.image("v1")
    manifest = json.loads(manifest_bytes)
    assert manifest["config"]["mediaType"] == OCI_CONFIG
    assert len(layers) == 3, [len(l) for l in layers]
    assert diff_ids(config_bytes) == [sha256(gzip.decompress(l)) for l in layers]
    # The third layer deletes /etc/hello.txt with a whiteout entry.
    assert b"etc/.wh.hello.txt" in gzip.decompress(layers[2])
    check_usable(SOURCE.path, "v1")
    PODMAN = Podman(WORK, [OPEN_HOST, HOST])


def test_skopeo_copies_the_umoci_layout_in_and_out_byte_for_byte():
    assert SOURCE, "needs the layout of test_umoci_builds_a_layout"
    digest, manifest_bytes, config_bytes, layers = SOURCE.image("v1")
    skopeo("copy", "--preserve-digests", "--dest-tls-verify=false", f"oci:{SOURCE.path}:v1",
           f"docker://{OPEN_HOST}/interop/umoci:v1")
    assert registry_image(OPEN, "interop/umoci", "v1") == (digest, manifest_bytes, OCI_MANIFEST, config_bytes, layers)

    pulled = os.path.join(WORK, "skopeo-pulled")
    skopeo("copy", "--src-tls-verify=false", f"docker://{OPEN_HOST}/interop/umoci:v1", f"oci:{pulled}:pulled")
    assert Layout(pulled).image("pulled") == (digest, manifest_bytes, config_bytes, layers)
    check_usable(pulled, "pulled")


def podman_local_image():
    """The umoci layout pulled into podman's storage: its local name."""
    _, _, config_bytes, _ = SOURCE.image("v1")
    PODMAN("rmi", "--all", "--force")
    PODMAN("pull", "--signature-policy", PODMAN.policy, f"oci:{SOURCE.path}:v1")
    images = json.loads(PODMAN("images", "--format", "json").stdout)
    assert [i["Id"] for i in images] == [sha256(config_bytes)[7:]], images  # the image id is the config digest
    assert len(images[0]["Names"]) == 1, images
    return images[0]["Names"][0]


def podman_push(local, destination, fmt):
    digestfile = os.path.join(WORK, "podman-push-digest")
    PODMAN("push", "--tls-verify=false", "--format", fmt, "--digestfile", digestfile, local, destination)
    with open(digestfile) as f:
        return f.read().strip()


def test_podman_pushes_oci_and_docker_manifests():
    assert SOURCE and PODMAN, "needs the layout of test_umoci_builds_a_layout"
    _, _, config_bytes, _ = SOURCE.image("v1")
    local = podman_local_image()

    pushed = podman_push(local, f"docker://{OPEN_HOST}/interop/podman:v1", "oci")
    got_digest, _, content_type, got_config, got_layers = registry_image(OPEN, "interop/podman", "v1")
    assert got_digest == pushed and content_type == OCI_MANIFEST
    # The config travels unchanged; the layers may be recompressed, but hold
    # the same tar streams (the config's diff_ids).
    assert got_config == config_bytes
    assert [sha256(gzip.decompress(l)) for l in got_layers] == diff_ids(config_bytes)

    # Docker v2 schema 2 from the same local image.
    pushed = podman_push(local, f"docker://{OPEN_HOST}/interop/podman:v2s2", "v2s2")
    got_digest, got_manifest, content_type, got_config, got_layers = registry_image(OPEN, "interop/podman", "v2s2")
    assert got_digest == pushed and content_type == DOCKER_MANIFEST
    manifest = json.loads(got_manifest)
    assert manifest["schemaVersion"] == 2 and manifest["config"]["mediaType"] == DOCKER_CONFIG
    assert [sha256(gzip.decompress(l)) for l in got_layers] == diff_ids(got_config) == diff_ids(config_bytes)
    tags = json.loads(lib.request("GET", f"{OPEN.url}/v2/interop/podman/tags/list")[2])["tags"]
    assert tags == ["v1", "v2s2"], tags


def test_podman_pulls_back_what_it_pushed():
    assert PODMAN, "needs test_podman_pushes_oci_and_docker_manifests"
    for tag, manifest_type in (("v1", OCI_MANIFEST), ("v2s2", DOCKER_MANIFEST)):
        # One at a time: both tags carry the same config, so podman would
        # keep them as one image, its Digest the first manifest pulled.
        PODMAN("rmi", "--all", "--force")
        assert json.loads(PODMAN("images", "--format", "json").stdout) == []
        want_digest, _, _, want_config, _ = registry_image(OPEN, "interop/podman", tag)
        ref = f"{OPEN_HOST}/interop/podman:{tag}"
        PODMAN("pull", "--tls-verify=false", "--signature-policy", PODMAN.policy, f"docker://{ref}")
        info = json.loads(PODMAN("image", "inspect", ref).stdout)[0]
        assert info["Digest"] == want_digest, info["Digest"]
        assert info["Id"] == sha256(want_config)[7:], info["Id"]
        assert f"{OPEN_HOST}/interop/podman@{want_digest}" in info["RepoDigests"], info["RepoDigests"]
        assert info["ManifestType"] == manifest_type, info["ManifestType"]
        assert info["RootFS"]["Layers"] == diff_ids(want_config)

        # What podman holds is usable: written out as an OCI layout, umoci
        # unpacks it to the same files.
        out = os.path.join(WORK, f"podman-out-{tag}")
        _, _, config, layers = image_in_layout_of(PODMAN, ref, out)
        assert [sha256(gzip.decompress(l)) for l in layers] == diff_ids(want_config)
        assert json.loads(config)["rootfs"] == json.loads(want_config)["rootfs"]
        check_usable(out, "pulled")

    # skopeo pulls podman's push byte for byte into a new layout.
    pulled = os.path.join(WORK, "skopeo-pulled-podman")
    skopeo("copy", "--src-tls-verify=false", f"docker://{OPEN_HOST}/interop/podman:v1", f"oci:{pulled}:pulled")
    want_digest, want_manifest, _, want_config, want_layers = registry_image(OPEN, "interop/podman", "v1")
    assert Layout(pulled).image("pulled") == (want_digest, want_manifest, want_config, want_layers)
    check_usable(pulled, "pulled")


def test_podman_pushes_manifest_lists_and_skopeo_copies_them_back():
    """An OCI image index and a Docker manifest list (podman manifest)."""
    assert SOURCE and PODMAN, "needs the layout of test_umoci_builds_a_layout"
    local = podman_local_image()
    PODMAN("manifest", "create", "localhost/interop-list:v1")
    PODMAN("manifest", "add", "localhost/interop-list:v1", f"containers-storage:{local}")
    for fmt, list_type, child_type in (("oci", OCI_INDEX, OCI_MANIFEST), ("v2s2", DOCKER_LIST, DOCKER_MANIFEST)):
        digestfile = os.path.join(WORK, "podman-list-digest")
        PODMAN("manifest", "push", "--all", "--format", fmt, "--tls-verify=false", "--digestfile", digestfile,
               "localhost/interop-list:v1", f"docker://{OPEN_HOST}/interop/list:{fmt}")
        with open(digestfile) as f:
            pushed = f.read().strip()
        status, hdrs, body = lib.request("GET", f"{OPEN.url}/v2/interop/list/manifests/{fmt}",
                                         headers={"Accept": f"{OCI_INDEX}, {DOCKER_LIST}"})
        assert status == 200 and sha256(body) == pushed == hdrs["docker-content-digest"], (status, hdrs)
        assert hdrs["content-type"] == list_type
        index = json.loads(body)
        assert index["mediaType"] == list_type and len(index["manifests"]) == 1, index
        child = index["manifests"][0]
        assert child["mediaType"] == child_type and child["platform"] == {"architecture": "amd64", "os": "linux"}
        child_digest, _, child_content_type, child_config, child_layers = registry_image(
            OPEN, "interop/list", child["digest"])
        assert child_digest == child["digest"] and child_content_type == child_type
        assert [sha256(gzip.decompress(l)) for l in child_layers] == diff_ids(child_config)

        # skopeo --all copies the list and its image out byte for byte (into
        # a dir: copy, which holds a Docker list unconverted, as oci: cannot).
        out = os.path.join(WORK, f"skopeo-list-{fmt}")
        skopeo("copy", "--all", "--preserve-digests", "--src-tls-verify=false",
               f"docker://{OPEN_HOST}/interop/list:{fmt}", f"dir:{out}")

        def read(name):
            with open(os.path.join(out, name), "rb") as f:
                return f.read()
        assert read("manifest.json") == body
        assert read(child["digest"][7:] + ".manifest.json") == registry_image(OPEN, "interop/list", child["digest"])[1]
        assert read(sha256(child_config)[7:]) == child_config
        assert [read(sha256(l)[7:]) for l in child_layers] == child_layers
    PODMAN("manifest", "rm", "localhost/interop-list:v1")


def test_pushes_without_the_token_are_refused():
    assert SOURCE and PODMAN, "needs the layout of test_umoci_builds_a_layout"
    for creds in ([], ["--dest-creds", "interop:wrong-token"]):
        result = skopeo("copy", "--dest-tls-verify=false", *creds, f"oci:{SOURCE.path}:v1",
                        f"docker://{HOST}/interop/refused:v1", expect_ok=False)
        assert result.returncode != 0 and "unauthorized" in result.stderr.lower(), result.stderr
    local = podman_local_image()
    for creds in ([], ["--creds", "interop:wrong-token"]):
        result = PODMAN("push", "--tls-verify=false", *creds, local, f"docker://{HOST}/interop/refused:v1",
                        expect_ok=False)
        assert result.returncode != 0 and "unauthorized" in result.stderr.lower(), result.stderr
    assert lib.request("GET", f"{SERVER.url}/v2/interop/refused/manifests/v1")[0] == 404
    # Pulls stay anonymous.
    assert lib.request("GET", f"{SERVER.url}/v2/interop/refused/tags/list")[0] == 404


def test_skopeo_and_podman_push_with_the_token():
    """containers/image (skopeo, podman, and Docker's client alike) only
    sends credentials to a registry whose `GET /v2/` check answered 401 with
    `WWW-Authenticate`: with --submit-tokens the base endpoint challenges
    (every other GET stays anonymous), so `skopeo --dest-creds` and
    `podman login` + push work."""
    assert SOURCE and PODMAN, "needs the layout of test_umoci_builds_a_layout"
    digest, manifest_bytes, config_bytes, layers = SOURCE.image("v1")
    status, hdrs, _ = lib.request("GET", f"{SERVER.url}/v2/")
    assert status == 401 and hdrs.get("www-authenticate", "").startswith("Basic"), \
        f"GET /v2/ without credentials answered {status}, no challenge: registry clients will never send the token"
    skopeo("copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", CREDS, f"oci:{SOURCE.path}:v1",
           f"docker://{HOST}/interop/umoci:v1")
    assert registry_image(SERVER, "interop/umoci", "v1") == (digest, manifest_bytes, OCI_MANIFEST, config_bytes,
                                                             layers)

    # podman login checks the token against GET /v2/: a wrong one is refused.
    result = PODMAN("login", "--tls-verify=false", "--authfile", PODMAN.authfile, "-u", "interop",
                    "-p", "wrong-token", HOST, expect_ok=False)
    assert result.returncode != 0, result.stdout
    PODMAN("login", "--tls-verify=false", "--authfile", PODMAN.authfile, "-u", "interop", "-p", TOKEN, HOST)
    with open(PODMAN.authfile) as f:
        assert HOST in json.load(f)["auths"]
    local = podman_local_image()
    pushed = podman_push(local, f"docker://{HOST}/interop/podman:v1", "oci")
    got_digest, _, content_type, got_config, got_layers = registry_image(SERVER, "interop/podman", "v1")
    assert got_digest == pushed and content_type == OCI_MANIFEST and got_config == config_bytes
    assert [sha256(gzip.decompress(l)) for l in got_layers] == diff_ids(config_bytes)

    PODMAN("logout", "--authfile", PODMAN.authfile, HOST)
    result = PODMAN("push", "--tls-verify=false", local, f"docker://{HOST}/interop/podman:again", expect_ok=False)
    assert result.returncode != 0 and "unauthorized" in result.stderr.lower(), result.stderr

    # The challenge must not cost anonymous pulls: with no credentials at all,
    # skopeo and podman still read everything.
    pulled = os.path.join(WORK, "skopeo-anonymous")
    skopeo("copy", "--src-tls-verify=false", f"docker://{HOST}/interop/umoci:v1", f"oci:{pulled}:pulled")
    assert Layout(pulled).image("pulled") == (digest, manifest_bytes, config_bytes, layers)
    PODMAN("rmi", "--all", "--force")
    PODMAN("pull", "--tls-verify=false", "--signature-policy", PODMAN.policy, f"docker://{HOST}/interop/podman:v1")
    info = json.loads(PODMAN("image", "inspect", f"{HOST}/interop/podman:v1").stdout)[0]
    assert info["Digest"] == got_digest, info["Digest"]


def test_podman_leaves_nothing_running():
    assert PODMAN, "needs test_umoci_builds_a_layout"
    PODMAN.cleanup()
    if contained.isolated:  # the blob-info cache went to the test's directory
        assert os.path.exists(os.path.join(contained.state, "cache", "blob-info-cache-v1.boltdb"))


if __name__ == "__main__":
    try:
        code = lib.run_module_tests(globals(), WORK, SERVER)
    finally:
        OPEN.stop()
        # After a failure the work directory is kept: remove podman's images
        # there too (after a pass it is gone, and so is everything podman had).
        if PODMAN and os.path.isdir(PODMAN.root):
            try:
                PODMAN.cleanup()
            except Exception as e:  # the test result stands; say what was left
                print(f"podman cleanup: {e}")
    sys.exit(code)
