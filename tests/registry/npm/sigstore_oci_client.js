#!/usr/bin/env node
// Drives @sigstore/oci's public API for tests/registry/sigstore_oci_test.py.
// One JSON argument says what to do; the result is one JSON line on stdout.
//
//   {"op": "digest", "imageName": "127.0.0.1:PORT/repo", "imageTag": "v1", "credentials": C}
//   {"op": "attach", "imageName": ..., "imageDigest": "sha256:…", "artifactFile": PATH,
//    "mediaType": ..., "annotations": {...}, "credentials": C}
//
// C is null (no sign-in: the library then sends no Authorization at all),
// {"username": ..., "password": ...}, or "docker-config" (the library's own
// getRegistryCredentials, which reads $HOME/.docker/config.json).
// On failure: exit 1 and {"error": message, "causes": [...], "statusCode": N}.
'use strict';

const fs = require('node:fs');
const oci = require('@sigstore/oci');

function credentialsFor(spec, imageName) {
  if (spec === 'docker-config') return oci.getRegistryCredentials(imageName);
  return spec || undefined;
}

async function main() {
  const args = JSON.parse(process.argv[2]);
  const credentials = credentialsFor(args.credentials, args.imageName);
  if (args.op === 'digest') {
    const digest = await oci.getImageDigest({
      imageName: args.imageName,
      imageTag: args.imageTag,
      credentials,
    });
    return { digest };
  }
  if (args.op === 'attach') {
    const descriptor = await oci.attachArtifactToImage({
      imageName: args.imageName,
      imageDigest: args.imageDigest,
      artifact: fs.readFileSync(args.artifactFile),
      mediaType: args.mediaType,
      annotations: args.annotations || {},
      credentials,
    });
    return descriptor;
  }
  throw new Error(`unknown op ${args.op}`);
}

main().then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
  },
  (err) => {
    const causes = [];
    let statusCode;
    for (let e = err; e; e = e.cause) {
      causes.push(String(e.message || e));
      if (statusCode === undefined && typeof e.statusCode === 'number') statusCode = e.statusCode;
    }
    process.stdout.write(JSON.stringify({ error: String(err.message || err), causes, statusCode }) + '\n');
    process.exitCode = 1;
  },
);
