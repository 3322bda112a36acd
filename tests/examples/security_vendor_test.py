#!/usr/bin/python3
"""The security-vendor flow, end to end (examples/security-vendor/): a
company's service trusts a vendor's CA and gates deployments on a policy
that wants the supplier's SBOM and SLSA provenance from its builder, the
vendor's scan (signed with its did:x509 identity) no older than 7 days, and
no high or critical finding unless the supplier's VEX says it does not
apply. Before any scan, a Pod of two images is denied for want of one; the
vendor runs examples/security-vendor/publish-scan.sh for each image (a
clean scan, a scan with a critical finding); the clean image is admitted,
the other denied for its finding; the supplier registers an OpenVEX
not_affected and the same admission request is allowed. Both decisions and
the evidence they used are then proven offline: each verdict statement's
receipt verifies, and appraising the pulled bundle at the verdict's tree
size and time gives the same decision, rule for rule. A vendor whose CA the
company does not trust is refused at the push.

Usage: security_vendor_test.py PATH/TO/scitt
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
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "security-vendor",
                      "publish-scan.sh")
WORK = tempfile.mkdtemp(prefix="scitt-vendor-")
ISSUER, KEYS = lib.issuer_with_keys(WORK)
SUPPLIER = "https://supplier.example"
BUILDER = "https://github.com/actions/runner/github-hosted"
SOURCE = "git+https://github.com/acme/shop"
STATE = {}


def openssl(*args):
    subprocess.run(["openssl", *args], cwd=WORK, check=True, capture_output=True)


def vendor_identity():
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *curve, "-keyout", "vendor-ca.key", "-out", "vendor-ca.pem", "-subj", "/CN=Vendor Root CA",
            "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=keyCertSign")
    openssl("req", *curve, "-keyout", "vendor.key", "-out", "vendor.csr", "-subj", "/CN=scanner.vendor.example")
    with open(os.path.join(WORK, "vendor.ext"), "w") as f:
        f.write("extendedKeyUsage=codeSigning\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", "vendor.csr", "-CA", "vendor-ca.pem", "-CAkey", "vendor-ca.key", "-CAcreateserial",
            "-out", "vendor.pem", "-days", "10", "-extfile", "vendor.ext")
    with open(os.path.join(WORK, "vendor-chain.pem"), "w") as f:
        f.write(open(os.path.join(WORK, "vendor.pem")).read() + open(os.path.join(WORK, "vendor-ca.pem")).read())
    der = subprocess.run(["openssl", "x509", "-in", "vendor-ca.pem", "-outform", "DER"], cwd=WORK, check=True,
                         capture_output=True).stdout
    fingerprint = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    return f"did:x509:0:sha256:{fingerprint}::subject:CN:scanner.vendor.example"


VENDOR = vendor_identity()
SETUP = lib.Server(SCITT, WORK, "company", "--issuer-keys", KEYS, "--trust-anchors",
                   os.path.join(WORK, "vendor-ca.pem"), "--rate-limit", "0")
SERVER = None


def push_image(repository, config):
    digest = lib.push_image(SETUP, repository, "1.0", config)
    return SETUP.url.removeprefix("http://") + f"/{repository}:1.0", digest


def admit(uid, images):
    containers = [{"name": f"c{i}", "image": image} for i, image in enumerate(images)]
    return lib.admit(SERVER, lib.admission_review("Pod", "shop", {"containers": containers}, uid=uid, name=uid,
                                                  user=None))


def sarif(results):
    return {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [{"tool": {"driver": {"name": "vendor-scanner", "version": "4.2",
                                          "rules": [{"id": "CVE-2026-4242",
                                                     "properties": {"security-severity": "9.8"}}]}},
                      "results": results}]}


def provenance(digest):
    """SLSA v1 provenance in an in-toto Statement v1, from the supplier's builder."""
    return {"_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "image", "digest": {"sha256": digest.removeprefix("sha256:")}}],
            "predicateType": "https://slsa.dev/provenance/v1",
            "predicate": {"buildDefinition": {"buildType": "https://actions.github.io/buildtypes/workflow/v1",
                                              "externalParameters": {},
                                              "resolvedDependencies": [{"uri": SOURCE + "@refs/heads/main",
                                                                        "digest": {"gitCommit": "a" * 40}}]},
                          "runDetails": {"builder": {"id": BUILDER}}}}


def test_setup_a_company_service_that_gates_on_the_vendors_scans():
    STATE["clean"] = push_image("shop/web", b'{"os": "linux", "web": 1}')
    STATE["vulnerable"] = push_image("shop/api", b'{"os": "linux", "api": 1}')
    for ref, digest in (STATE["clean"], STATE["vulnerable"]):
        sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                "metadata": {"component": {"bom-ref": "app", "name": ref}}}
        lib.register(SETUP, ISSUER, digest, SUPPLIER, "application/vnd.cyclonedx+json", json.dumps(sbom).encode())
        lib.register(SETUP, ISSUER, digest, SUPPLIER, "application/vnd.in-toto+json",
                     json.dumps(provenance(digest)).encode())
    policy = {"policy": "production",
              "evidence": [{"format": "CycloneDX", "issuers": [SUPPLIER]},
                           {"format": "in-toto", "issuers": [SUPPLIER], "builders": [BUILDER],
                            "source_repositories": [SOURCE]},
                           {"format": "SARIF", "issuers": [VENDOR], "max_age_days": 7}],
              "vulnerabilities": {"deny_severity": "high", "vex_issuers": [SUPPLIER]}}
    STATE["policy"] = lib.register(SETUP, ISSUER, "policy:production", "https://security.example",
                                   "application/vnd.scitt.appraisal-policy+json", json.dumps(policy).encode())[0]
    SETUP.stop()
    gates = os.path.join(WORK, "gates.json")
    with open(gates, "w") as f:
        json.dump({"policy_entry": STATE["policy"]}, f)
    global SERVER
    SERVER = lib.Server(SCITT, WORK, "company-gated", "--issuer-keys", KEYS, "--trust-anchors",
                        os.path.join(WORK, "vendor-ca.pem"), "--rate-limit", "0", "--gates", gates,
                        data=SETUP.data, start=False)
    SERVER.port, SERVER.url = SETUP.port, SETUP.url
    SERVER.start()
    lib.wait_indexed(SERVER, STATE["policy"] + 1)
    response = admit("before", [STATE["clean"][0], STATE["vulnerable"][0]])
    assert response["allowed"] is False, response
    assert response["status"]["message"].count(f"no SARIF from {VENDOR}") == 2, response


def test_the_vendor_publishes_and_the_gate_sees_it():
    env = dict(os.environ, SCITT=SCITT, VENDOR_KEY=os.path.join(WORK, "vendor.key"),
               VENDOR_CHAIN=os.path.join(WORK, "vendor-chain.pem"))
    for name, (ref, _), results in (("clean", STATE["clean"], []),
                                    ("found", STATE["vulnerable"], [{"ruleId": "CVE-2026-4242", "level": "error",
                                                                     "message": {"text": "openssl 3.0.1"}}])):
        path = os.path.join(WORK, name + ".sarif")
        with open(path, "w") as f:
            json.dump(sarif(results), f)
        published = subprocess.run(["bash", SCRIPT, ref, path], env=env, capture_output=True, text=True, cwd=WORK)
        assert published.returncode == 0, published
        assert f"issuer: {VENDOR}" in published.stdout, published.stdout
    status, _, body = lib.request("GET", SERVER.url + "/checkpoint")
    lib.wait_indexed(SERVER, int(body.decode().splitlines()[1]))
    clean = admit("after-clean", [STATE["clean"][0]])
    assert clean["allowed"] is True, clean
    vulnerable = admit("deploy-api", [STATE["vulnerable"][0]])
    assert vulnerable["allowed"] is False, vulnerable
    message = vulnerable["status"]["message"]
    assert "vulnerabilities: denied: CVE-2026-4242 (critical)" in message, message
    STATE["denied"] = json.loads(vulnerable["auditAnnotations"]["verdicts"])[0]


def test_the_suppliers_vex_admits_the_same_request():
    digest = STATE["vulnerable"][1]
    vex = {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://supplier.example/vex/api-1",
           "author": SUPPLIER, "timestamp": "2026-12-05T10:00:00Z", "version": 1,
           "statements": [{"vulnerability": {"name": "CVE-2026-4242"}, "products": [{"@id": digest}],
                           "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
    entry = lib.register(SERVER, ISSUER, digest, SUPPLIER, "application/openvex+json", json.dumps(vex).encode())[0]
    lib.wait_indexed(SERVER, entry + 1)
    allowed = admit("deploy-api", [STATE["vulnerable"][0]])
    assert allowed["allowed"] is True, allowed
    STATE["allowed"] = json.loads(allowed["auditAnnotations"]["verdicts"])[0]


def test_both_decisions_are_provable_offline():
    keys = os.path.join(WORK, "service-keys.cbor")
    subprocess.run([SCITT, "keys", "fetch", "--url", SERVER.url, "--out", keys], check=True, capture_output=True)
    bundle = os.path.join(WORK, "bundle")
    pulled = subprocess.run([SCITT, "registry", "pull-evidence", STATE["vulnerable"][0], "--out", bundle,
                             "--service-keys", keys], capture_output=True, text=True)
    assert pulled.returncode == 0, pulled
    status, _, policy = lib.request("GET", SERVER.url + f"/entries/{STATE['policy']}/statement")
    with open(os.path.join(bundle, "statements", "policy.transparent.cose"), "wb") as f:
        f.write(policy)
    lib.wait_indexed(SERVER, STATE["allowed"]["verdict_entry"] + 1)
    for record, code in ((STATE["denied"], 1), (STATE["allowed"], 0)):
        # The verdict is a statement the service signed, with a receipt that verifies offline.
        status, _, statement = lib.request("GET", SERVER.url + f"/entries/{record['verdict_entry']}/statement")
        assert status == 200
        path = os.path.join(WORK, f"verdict-{record['verdict_entry']}.cose")
        with open(path, "wb") as f:
            f.write(statement)
        verified = subprocess.run([SCITT, "verify", path, "--service-key", keys], capture_output=True, text=True)
        assert verified.returncode == 0 and "PASS receipt 1" in verified.stdout, verified
        verdict = json.loads(cbor2.loads(statement).value[2])
        assert verdict["decision"] == record["decision"] and verdict["admission"]["uid"] == "deploy-api", verdict
        # Its decision again, from the bundle alone, at its tree size and time.
        replay = subprocess.run([SCITT, "appraise", record["digest"], "--policy-entry", str(STATE["policy"]),
                                 "--bundle", bundle, "--service-keys", keys, "--tree-size", str(verdict["tree_size"]),
                                 "--at", verdict["appraised_at"], "--json"], capture_output=True, text=True)
        assert replay.returncode == code, replay
        replayed = json.loads(replay.stdout)
        assert replayed["decision"] == verdict["decision"] and replayed["rules"] == verdict["rules"], (replayed, verdict)


def test_a_statement_signed_by_an_untrusted_vendor_is_refused():
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *curve, "-keyout", "rogue-ca.key", "-out", "rogue-ca.pem", "-subj", "/CN=Rogue CA",
            "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=keyCertSign")
    openssl("req", *curve, "-keyout", "rogue.key", "-out", "rogue.csr", "-subj", "/CN=scanner.vendor.example")
    openssl("x509", "-req", "-in", "rogue.csr", "-CA", "rogue-ca.pem", "-CAkey", "rogue-ca.key", "-CAcreateserial",
            "-out", "rogue.pem", "-days", "10", "-extfile", "vendor.ext")
    with open(os.path.join(WORK, "rogue-chain.pem"), "w") as f:
        f.write(open(os.path.join(WORK, "rogue.pem")).read() + open(os.path.join(WORK, "rogue-ca.pem")).read())
    env = dict(os.environ, SCITT=SCITT, VENDOR_KEY=os.path.join(WORK, "rogue.key"),
               VENDOR_CHAIN=os.path.join(WORK, "rogue-chain.pem"))
    published = subprocess.run(["bash", SCRIPT, STATE["vulnerable"][0], os.path.join(WORK, "clean.sarif")], env=env,
                               capture_output=True, text=True, cwd=WORK)
    assert published.returncode != 0, published
    assert "403 DENIED: registration refused: Untrusted Certificate Chain" in published.stderr, published.stderr


class AllServers:
    @staticmethod
    def stop():
        for server in (SERVER, SETUP):
            if server:
                server.stop()


sys.exit(lib.run_module_tests(globals(), WORK, AllServers()))
