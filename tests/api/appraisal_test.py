#!/usr/bin/python3
"""Appraisal through the real binary (docs/appraisal.md): a supplier's SBOM
for an image and a scanner's critical finding in one of its packages; a
policy registered as a signed statement denies the image (`scitt appraise
--policy-entry`, exit 1, the finding's entry cited); the supplier's OpenVEX
`not_affected` flips it to allow (exit 0); the same question pinned to the
tree size before the VEX still denies (a decision replayed); an inline
policy file; an image reference resolved to its digest through the
registry; licences of SPDX's own example denied where no other licence
is left; and bad requests refused with problem details.

Usage: appraisal_test.py PATH/TO/scitt
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-appraisal-")
ISSUER, KEYS = lib.issuer_with_keys(WORK)
IMAGE = "sha256:" + "c3" * 32
OPENSSL = "pkg:deb/debian/openssl@3.0.11"
CVE = "CVE-2026-7777"
SUPPLIER, SCANNER, SECURITY = "https://supplier.example", "https://scanner.example", "https://security.example"
CDX, OPENVEX = "application/vnd.cyclonedx+json", "application/openvex+json"
POLICY_TYPE = "application/vnd.scitt.appraisal-policy+json"
POLICY = {"policy": "production",
          "evidence": [{"format": "CycloneDX", "issuers": [SUPPLIER], "max_age_days": 30}],
          "vulnerabilities": {"deny_severity": "high", "vex_issuers": [SUPPLIER]},
          "deny_packages": ["pkg:npm/event-stream@3.3.6"]}

SERVER = lib.Server(SCITT, WORK, "appraisal", "--issuer-keys", KEYS, "--rate-limit", "0")
ENTRIES = {}


def register(subject, issuer, content_type, payload):
    return lib.register(SERVER, ISSUER, subject, issuer, content_type, payload)[0]


def appraise(*args):
    return subprocess.run([SCITT, "appraise", IMAGE, *args, "--url", SERVER.url], capture_output=True, text=True)


def post(body):
    return lib.request("POST", SERVER.url + "/appraisals", json.dumps(body).encode(),
                       {"Content-Type": "application/json"})


def test_setup_an_sbom_a_critical_finding_and_a_registered_policy():
    sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "metadata": {"component": {"bom-ref": "app", "name": "app", "purl": "pkg:oci/app@" + IMAGE}},
            "components": [{"bom-ref": "ssl", "name": "openssl", "purl": OPENSSL}],
            "dependencies": [{"ref": "app", "dependsOn": ["ssl"]}]}
    ENTRIES["sbom"] = register(IMAGE, SUPPLIER, CDX, json.dumps(sbom).encode())
    finding = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
               "vulnerabilities": [{"id": CVE, "ratings": [{"severity": "critical"}], "affects": [{"ref": OPENSSL}]}]}
    ENTRIES["finding"] = register(IMAGE, SCANNER, CDX, json.dumps(finding).encode())
    ENTRIES["policy"] = register("policy:production", SECURITY, POLICY_TYPE, json.dumps(POLICY).encode())
    lib.wait_indexed(SERVER, ENTRIES["policy"] + 1)


def test_the_registered_policy_denies_for_the_critical_finding():
    result = appraise("--policy-entry", str(ENTRIES["policy"]))
    assert result.returncode == 1, result
    assert result.stdout.startswith("DENY " + IMAGE + " under policy production"), result.stdout
    assert f"fail  vulnerabilities: denied: {CVE} (critical)" in result.stdout, result.stdout
    assert f"(entries [{ENTRIES['finding']}])" in result.stdout, result.stdout
    assert f"pass  evidence[0]: CycloneDX from {SUPPLIER}: entry {ENTRIES['sbom']}" in result.stdout, result.stdout
    ENTRIES["denied_at"] = json.loads(appraise("--policy-entry", str(ENTRIES["policy"]), "--json").stdout)["tree_size"]


def test_a_vex_from_the_supplier_flips_it_and_the_old_decision_replays():
    vex = {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://supplier.example/vex/1",
           "author": SUPPLIER, "timestamp": "2026-12-05T10:00:00Z", "version": 1,
           "statements": [{"vulnerability": {"name": CVE}, "products": [{"@id": OPENSSL}],
                           "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
    ENTRIES["vex"] = register(OPENSSL, SUPPLIER, OPENVEX, json.dumps(vex).encode())
    lib.wait_indexed(SERVER, ENTRIES["vex"] + 1)
    result = appraise("--policy-entry", str(ENTRIES["policy"]), "--json")
    assert result.returncode == 0, result
    verdict = json.loads(result.stdout)
    assert verdict["decision"] == "allow" and verdict["policy_entry"] == ENTRIES["policy"], verdict
    rules = {r["rule"]: r for r in verdict["rules"]}
    assert rules["vulnerabilities"]["entries"] == [ENTRIES["finding"], ENTRIES["vex"]], rules
    assert rules["vulnerabilities"]["reason"] == f"closed by VEX: {CVE} (critical)", rules
    # The decision at the tree size it was made at is made again, the same.
    replay = appraise("--policy-entry", str(ENTRIES["policy"]), "--tree-size", str(ENTRIES["denied_at"]))
    assert replay.returncode == 1 and "DENY" in replay.stdout, replay
    # Evidence ages count to the time asked: half a year on, the SBOM is too old.
    later = appraise("--policy-entry", str(ENTRIES["policy"]), "--at", "2027-06-01T00:00:00Z")
    assert later.returncode == 1, later
    assert f"fail  evidence[0]: no CycloneDX from {SUPPLIER} in the last 30 days" in later.stdout, later.stdout


def test_an_inline_policy_file_and_the_cli_refusing_a_bad_one():
    path = os.path.join(WORK, "policy.json")
    with open(path, "w") as f:
        json.dump({"policy": "no-event-stream", "deny_packages": ["pkg:deb/debian/openssl"]}, f)
    result = appraise("--policy", path)
    assert result.returncode == 1 and "denied packages under the artifact: " + OPENSSL in result.stdout, result
    with open(path, "w") as f:
        json.dump({"policy": "typo", "vulnerabilitys": {}}, f)
    result = appraise("--policy", path)
    assert result.returncode == 2 and 'unknown field "vulnerabilitys"' in result.stderr, result
    assert subprocess.run([SCITT, "appraise", IMAGE, "--url", SERVER.url], capture_output=True).returncode != 0


def test_an_image_reference_is_appraised_by_its_digest():
    # An image pushed to the service's own registry, and an SBOM about its digest.
    digest = lib.push_image(SERVER, "shop/app", "2.0", b'{"os": "linux"}')
    sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "metadata": {"component": {"bom-ref": "app", "name": "app"}},
            "components": [{"bom-ref": "es", "name": "event-stream", "purl": "pkg:npm/event-stream@3.3.6"}],
            "dependencies": [{"ref": "app", "dependsOn": ["es"]}]}
    lib.wait_indexed(SERVER, register(digest, SUPPLIER, CDX, json.dumps(sbom).encode()) + 1)
    ENTRIES["image"] = digest
    reference = SERVER.url.removeprefix("http://") + "/shop/app:2.0"
    result = subprocess.run([SCITT, "appraise", reference, "--policy-entry", str(ENTRIES["policy"]), "--url",
                             SERVER.url], capture_output=True, text=True)
    assert result.returncode == 1, result
    assert f"{reference} is {digest}" in result.stderr, result.stderr
    assert result.stdout.startswith("DENY " + digest), result.stdout
    assert "denied packages under the artifact: pkg:npm/event-stream@3.3.6" in result.stdout, result.stdout
    missing = subprocess.run([SCITT, "appraise", reference.replace("2.0", "9.9"), "--policy-entry",
                              str(ENTRIES["policy"]), "--url", SERVER.url], capture_output=True, text=True)
    assert missing.returncode == 2 and "9.9" in missing.stderr, missing


def test_offline_against_a_pulled_bundle_gives_the_same_verdict():
    reference = SERVER.url.removeprefix("http://") + "/shop/app:2.0"
    bundle = os.path.join(WORK, "bundle")
    keys = os.path.join(WORK, "service-keys.cbor")
    subprocess.run([SCITT, "keys", "fetch", "--url", SERVER.url, "--out", keys], check=True, capture_output=True)
    # A finding registered about a package under the image, not attached to
    # it: only the service's evidence graph leads to it.
    finding = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
               "vulnerabilities": [{"id": "CVE-2026-8888", "ratings": [{"severity": "high"}],
                                    "affects": [{"ref": "pkg:npm/event-stream@3.3.6"}]}]}
    lib.wait_indexed(SERVER, register("pkg:npm/event-stream@3.3.6", SCANNER, CDX, json.dumps(finding).encode()) + 1)
    pulled = subprocess.run([SCITT, "registry", "pull-evidence", reference, "--out", bundle, "--service-keys", keys,
                             "--policy-entry", str(ENTRIES["policy"])], capture_output=True, text=True)
    assert pulled.returncode == 0, pulled
    summary = json.load(open(os.path.join(bundle, "evidence.json")))
    assert ENTRIES["policy"] in summary["entries"] and summary["graph"]["service"] == SERVER.url, summary
    assert f"entry     {ENTRIES['policy']}: receipt verified" in pulled.stdout, pulled.stdout
    online = subprocess.run([SCITT, "appraise", ENTRIES["image"], "--policy-entry", str(ENTRIES["policy"]), "--json",
                             "--url", SERVER.url], capture_output=True, text=True)
    assert online.returncode == 1, online
    online = json.loads(online.stdout)
    offline = subprocess.run([SCITT, "appraise", ENTRIES["image"], "--policy-entry", str(ENTRIES["policy"]), "--json",
                              "--bundle", bundle, "--service-keys", keys, "--tree-size", str(online["tree_size"]),
                              "--at", online["appraised_at"]], capture_output=True, text=True)
    assert offline.returncode == 1, offline
    offline = json.loads(offline.stdout)
    for field in ("decision", "subject", "policy", "policy_entry", "tree_size", "rules", "appraised_at"):
        assert offline[field] == online[field], (field, offline, online)
    assert offline["bundle"]["statements"] >= 3, offline
    assert any("CVE-2026-8888" in rule["reason"] for rule in offline["rules"]), offline
    # The image's referrers alone miss the finding: the offline verdict then differs.
    referrers = os.path.join(WORK, "referrers-only")
    subprocess.run([SCITT, "registry", "pull-evidence", reference, "--out", referrers, "--service-keys", keys,
                    "--referrers-only", "--policy-entry", str(ENTRIES["policy"])], check=True, capture_output=True)
    partial = subprocess.run([SCITT, "appraise", ENTRIES["image"], "--policy-entry", str(ENTRIES["policy"]), "--json",
                              "--bundle", referrers, "--service-keys", keys, "--tree-size", str(online["tree_size"]),
                              "--at", online["appraised_at"]], capture_output=True, text=True)
    assert not any("CVE-2026-8888" in rule["reason"] for rule in json.loads(partial.stdout)["rules"]), partial.stdout
    # Without keys, or with a statement whose receipt fails, nothing unproven is evidence.
    no_keys = subprocess.run([SCITT, "appraise", ENTRIES["image"], "--policy-entry", str(ENTRIES["policy"]),
                              "--bundle", bundle], capture_output=True, text=True)
    assert no_keys.returncode == 2 and "--service-keys" in no_keys.stderr, no_keys
    other_keys = os.path.join(WORK, "other-keys.json")
    with open(other_keys, "w") as f:
        json.dump(lib.Issuer().jwks(), f)
    sbom_policy = os.path.join(WORK, "sbom-policy.json")
    with open(sbom_policy, "w") as f:
        json.dump({"policy": "sbom", "evidence": [{"format": "CycloneDX", "issuers": [SUPPLIER]}]}, f)
    wrong = subprocess.run([SCITT, "appraise", ENTRIES["image"], "--policy", sbom_policy,
                            "--bundle", bundle, "--service-keys", other_keys], capture_output=True, text=True)
    assert "left out, no receipt verifies" in wrong.stderr, wrong
    assert wrong.returncode == 1 and "no CycloneDX from" in wrong.stdout, wrong
    # A script runs offline (the user's own choice), never for a client of the service.
    script_policy = os.path.join(WORK, "script-policy.json")
    with open(script_policy, "w") as f:
        json.dump({"policy": "scripted", "script": "function appraise(subject, evidence, rules) {\n"
                   "  var sbom = evidence.statements.some(function (s) { return s.format === 'CycloneDX'; });\n"
                   "  return (sbom && evidence.nodes.length >= 1) || 'want an SBOM and its packages';\n}"}, f)
    scripted = subprocess.run([SCITT, "appraise", ENTRIES["image"], "--policy", script_policy, "--bundle", bundle,
                               "--service-keys", keys], capture_output=True, text=True)
    assert scripted.returncode == 0, scripted
    assert "pass  script: the policy's script allows it" in scripted.stdout, scripted.stdout
    online_script = subprocess.run([SCITT, "appraise", ENTRIES["image"], "--policy", script_policy, "--url",
                                    SERVER.url], capture_output=True, text=True)
    assert online_script.returncode == 2 and "scripts run only in the deployment gates" in online_script.stderr, \
        online_script
    both = subprocess.run([SCITT, "appraise", ENTRIES["image"], "--policy-entry", "1", "--bundle", bundle,
                           "--url", SERVER.url], capture_output=True, text=True)
    assert both.returncode == 2 and "one of them" in both.stderr, both


def test_licences_of_a_real_spdx_sbom_deny_where_no_other_licence_is_left():
    # SPDX's own 2.3 example (tag-value): SPDXRef-Package concludes
    # "(LGPL-2.0-only OR LicenseRef-3)" and declares "(LGPL-2.0-only AND
    # LicenseRef-3)"; it links Saxon, concluded MPL-1.0.
    image = "sha256:" + "5d" * 32
    with open(os.path.join(lib.VECTORS, "evidence", "spdx", "SPDXTagExample-v2.3.spdx"), "rb") as f:
        entry = register(image, SUPPLIER, "text/spdx", f.read())
    lib.wait_indexed(SERVER, entry + 1)

    def verdict(denied):
        status, _, body = post({"subject": image, "policy": {"policy": "licences", "deny_licenses": denied}})
        assert status == 200, body
        answer = json.loads(body)
        return answer["decision"], answer["rules"][0]

    decision, rule = verdict(["MPL-1.0"])
    assert decision == "deny" and rule["rule"] == "deny_licenses", rule
    assert f"ref:{entry}:SPDXRef-Saxon (MPL-1.0, entry {entry})" in rule["reason"], rule
    assert entry in rule["entries"], rule
    # The concluded licence governs: LicenseRef-3 is still a way out.
    assert verdict(["LGPL-2.0-only"])[0] == "allow"
    decision, rule = verdict(["lgpl-2.0-only", "LicenseRef-3"])
    assert decision == "deny" and "(LGPL-2.0-only OR LicenseRef-3, entry" in rule["reason"], rule
    assert verdict(["GPL-3.0-only", "AGPL-3.0-or-later"])[0] == "allow"
    # The same through the CLI, and the licences in what we know about it.
    path = os.path.join(WORK, "licences.json")
    with open(path, "w") as f:
        json.dump({"policy": "licences", "deny_licenses": ["MPL-1.0"]}, f)
    result = subprocess.run([SCITT, "appraise", image, "--policy", path, "--url", SERVER.url],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "fail  deny_licenses: denied licences under the artifact" in result.stdout, result
    status, _, body = lib.request("GET", SERVER.url + "/evidence?subject=" + image)
    licences = {(edge["from"], edge["to"], edge["attributes"].get("source")) for edge in json.loads(body)["licenses"]}
    assert (f"ref:{entry}:SPDXRef-Saxon", "license:MPL-1.0", "concluded") in licences, licences
    assert (f"ref:{entry}:SPDXRef-Package", "license:LGPL-2.0-only AND LicenseRef-3", "declared") in licences, licences


def test_bad_requests_are_problem_details():
    for body, status in [({"subject": IMAGE}, 400),
                         ({"subject": IMAGE, "policy": POLICY, "policy_entry": 0}, 400),
                         ({"subject": IMAGE, "policy_entry": ENTRIES["sbom"]}, 400),  # not a policy
                         ({"subject": IMAGE, "policy_entry": 10 ** 9}, 404),
                         ({"subject": IMAGE, "policy": {"policy": "x"}}, 400),
                         ({"subject": "", "policy": POLICY}, 400),
                         ({"subject": IMAGE, "policy": POLICY, "extra": 1}, 400),
                         ({"subject": IMAGE, "policy": POLICY, "at": "yesterday"}, 400),
                         ({"subject": IMAGE, "policy": {"policy": "x", "deny_licenses": ["MIT OR GPL-3.0-only"]}}, 400)]:
        lib.problem(*post(body), status)
    status, hdrs, body = lib.request("POST", SERVER.url + "/appraisals", b"{not json", {"Content-Type": "application/json"})
    lib.problem(status, hdrs, body, 400)


sys.exit(lib.run_module_tests(globals(), WORK, SERVER))
