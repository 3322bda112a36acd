#!/usr/bin/python3
"""A registry client that does little besides moving bytes, for
bench/registry.sh: skopeo hashes, checks and writes everything it moves, so
with large blobs it is most of the time and both servers look alike. This
pushes an OCI layout (from oci_layout.py) as the distribution-spec's
two-request upload (POST, then PUT with ?digest= and the whole blob, which
every registry supports) and its manifest, or pulls it back (the manifest,
then every blob, read and dropped), on CONNECTIONS keep-alive connections at
once. Nothing is hashed on this side: the servers check the digests.

Prints the seconds taken.

Usage: registry_client.py push|pull HOST:PORT REPOSITORY LAYOUT_DIR
"""
import concurrent.futures
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
PIECE = 1 << 20
CONNECTIONS = int(os.environ.get("CONNECTIONS", "4"))
local = threading.local()


def connection(address):
    if not hasattr(local, "conn"):
        host, port = address.rsplit(":", 1)
        local.conn = http.client.HTTPConnection(host, int(port), blocksize=PIECE)
    return local.conn


def request(address, method, path, body=None, headers=None, expect=(200,)):
    conn = connection(address)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    if response.status not in expect:
        raise SystemExit(f"{method} {path}: {response.status} {response.read()[:300]!r}")
    return response


def drain(response):
    buffer = bytearray(PIECE)
    total = 0
    while n := response.readinto(buffer):
        total += n
    return total


def push_blob(address, repository, layout, descriptor):
    digest = descriptor["digest"]
    started = request(address, "POST", f"/v2/{repository}/blobs/uploads/", b"", expect=(202,))
    drain(started)
    location = urllib.parse.urlsplit(started.getheader("Location"))
    query = (location.query + "&" if location.query else "") + "digest=" + urllib.parse.quote(digest)
    with open(os.path.join(layout, "blobs", *digest.split(":")), "rb") as f:
        done = request(address, "PUT", f"{location.path}?{query}", f,
                       {"Content-Type": "application/octet-stream", "Content-Length": str(descriptor["size"])},
                       expect=(201,))
        drain(done)


def manifest_of(layout):
    with open(os.path.join(layout, "index.json")) as f:
        digest = json.load(f)["manifests"][0]["digest"]
    with open(os.path.join(layout, "blobs", *digest.split(":")), "rb") as f:
        return f.read()


def main(mode, address, repository, layout):
    manifest = manifest_of(layout)
    parsed = json.loads(manifest)
    blobs = [parsed["config"]] + parsed["layers"]
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(CONNECTIONS) as pool:
        if mode == "push":
            list(pool.map(lambda d: push_blob(address, repository, layout, d), blobs))
            drain(request(address, "PUT", f"/v2/{repository}/manifests/v1", manifest,
                          {"Content-Type": OCI_MANIFEST}, expect=(201,)))
        else:
            pulled = json.loads(request(address, "GET", f"/v2/{repository}/manifests/v1",
                                        headers={"Accept": OCI_MANIFEST}).read())
            sizes = list(pool.map(lambda d: drain(request(address, "GET", f"/v2/{repository}/blobs/{d['digest']}")),
                                  pulled["layers"] + [pulled["config"]]))
            expected = [d["size"] for d in pulled["layers"] + [pulled["config"]]]
            if sizes != expected:
                raise SystemExit(f"pulled {sizes} bytes, expected {expected}")
    print(f"{time.monotonic() - start:.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] not in ("push", "pull"):
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
