#!/usr/bin/python3
"""Writes an OCI image layout (image-spec image-layout.md) holding one image
tagged "v1" whose layers are gzip streams of random bytes, for the registry
benchmark (bench/registry.sh).

Usage: oci_layout.py DIR LAYERS LAYER_BYTES
"""
import gzip
import hashlib
import json
import os
import sys

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def main(path, layers, layer_bytes):
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs)

    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as f:
            f.write(data)
        return "sha256:" + digest

    descriptors, diff_ids = [], []
    for _ in range(layers):
        raw = os.urandom(layer_bytes)
        data = gzip.compress(raw, compresslevel=1)
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                            "digest": blob(data), "size": len(data)})
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
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
