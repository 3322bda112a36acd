#!/usr/bin/python3
"""Writes an OCI image layout (image-spec image-layout.md) holding one image
tagged "v1" whose layers are gzip streams of random bytes, for the registry
benchmark (bench/registry.sh); or a variant of such a layout, each of whose
blobs is new to a registry that holds the first, so that every push of the
benchmark writes new content (a registry drops an upload it already holds).
A variant's layer is the layer with one more gzip member (a line naming the
variant), which is still a valid gzip stream; its config's diff_ids follow.

Usage: oci_layout.py DIR LAYERS LAYER_BYTES
       oci_layout.py --vary SOURCE_DIR DIR NAME
"""
import gzip
import hashlib
import json
import os
import sys

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def blob_writer(path):
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs)

    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as f:
            f.write(data)
        return "sha256:" + digest
    return blob


def main(path, layers, layer_bytes):
    descriptors, diff_ids = [], []
    blob = blob_writer(path)
    for _ in range(layers):
        raw = os.urandom(layer_bytes)
        data = gzip.compress(raw, compresslevel=1)
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                            "digest": blob(data), "size": len(data)})
    write_image(path, blob, descriptors, diff_ids)


def vary(source, path, name):
    def read(digest):
        with open(os.path.join(source, "blobs", *digest.split(":")), "rb") as f:
            return f.read()
    with open(os.path.join(source, "index.json")) as f:
        manifest = json.loads(read(json.load(f)["manifests"][0]["digest"]))
    blob = blob_writer(path)
    marker = f"variant {name}\n".encode()
    descriptors, diff_ids = [], []
    for layer in manifest["layers"]:
        data = read(layer["digest"])
        raw = hashlib.sha256(gzip.decompress(data))
        raw.update(marker)
        diff_ids.append("sha256:" + raw.hexdigest())
        data += gzip.compress(marker)
        descriptors.append(dict(layer, digest=blob(data), size=len(data)))
    write_image(path, blob, descriptors, diff_ids)


def write_image(path, blob, descriptors, diff_ids):
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": blob(config), "size": len(config)},
                           "layers": descriptors}).encode()
    digest = blob(manifest)
    with open(os.path.join(path, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{"mediaType": OCI_MANIFEST, "digest": digest,
                                                      "size": len(manifest),
                                                      "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, f)


if __name__ == "__main__":
    if sys.argv[1] == "--vary":
        vary(*sys.argv[2:5])
    else:
        main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
