#!/usr/bin/python3
"""Deployment gates through the real binary (docs/deployment-gates.md).

A supplier's SBOMs for two images and a scanner's critical finding in one
image's openssl; an appraisal policy registered as a statement; the service
restarted with a gate configuration naming it. Then, as a Kubernetes API
server and OPA Gatekeeper would call it:
- a Pod in an enforcing namespace is denied for the image with the finding
  (by tag, resolved through the service's own registry) and the message
  names the CVE; every verdict is registered as a statement signed by the
  service, found by the image's digest;
- a Deployment in a warning namespace is admitted with a warning, an audit
  namespace records only, an exempt namespace is not appraised;
- an image on another registry (a second service) is resolved there by tag;
- an image that cannot be resolved is denied (fail closed) in enforce;
- Gatekeeper's ProviderRequest gets one item per key: a value with the
  decision, or an error;
- the supplier's VEX turns the Pod's denial into admission;
- malformed reviews get problem details, and a service without a gate
  configuration has no gate routes.

Usage: gates_test.py PATH/TO/scitt
"""
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

import cbor2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-gates-")
ISSUER, KEYS = lib.issuer_with_keys(WORK)
OPENSSL = "pkg:deb/debian/openssl@3.0.11"
CVE = "CVE-2026-8888"
SUPPLIER, SCANNER, SECURITY = "https://supplier.example", "https://scanner.example", "https://security.example"
CDX, OPENVEX = "application/vnd.cyclonedx+json", "application/openvex+json"
POLICY_TYPE = "application/vnd.scitt.appraisal-policy+json"
VERDICT_TYPE = "application/vnd.scitt.admission-verdict+json"
POLICY = {"policy": "production",
          "evidence": [{"format": "CycloneDX", "issuers": [SUPPLIER]}],
          "vulnerabilities": {"deny_severity": "high", "vex_issuers": [SUPPLIER]},
          "revocations": {"issuers": [SUPPLIER]},
          # The operator names this policy: its script runs in the gate.
          "script": "function appraise(subject, evidence, rules) {\n"
                    "  return subject.node.indexOf('sha256:') === 0 || 'not an image digest';\n}"}
CLEAN = "sha256:" + "c4" * 32  # an image known only by its digest, with a clean SBOM

SETUP = lib.Server(SCITT, WORK, "gates", "--issuer-keys", KEYS, "--rate-limit", "0")
OTHER = lib.Server(SCITT, WORK, "other-registry", "--issuer-keys", KEYS, "--rate-limit", "0")
SERVER = None  # the same data, restarted with --gates
FACTS = {}


def register(subject, issuer, content_type, document):
    return lib.register(SETUP, ISSUER, subject, issuer, content_type, json.dumps(document).encode())[0]


def sbom(name, purls):
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "metadata": {"component": {"bom-ref": name, "name": name}},
            "components": [{"bom-ref": p, "name": p, "purl": p} for p in purls],
            "dependencies": [{"ref": name, "dependsOn": purls}]}


review = lib.admission_review


def admit(body):
    return lib.admit(SERVER, body)


def provide(keys, query=""):
    body = {"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest",
            "request": {"keys": keys}}
    status, _, data = lib.request("POST", SERVER.url + "/gates/gatekeeper" + query, json.dumps(body).encode(),
                                  {"Content-Type": "application/json"})
    assert status == 200, (status, data)
    doc = json.loads(data)
    assert doc["apiVersion"] == "externaldata.gatekeeper.sh/v1beta1" and doc["kind"] == "ProviderResponse", doc
    return doc["response"]


def verdicts(response):
    return json.loads(response["auditAnnotations"]["verdicts"])


def test_setup_images_evidence_and_a_policy_then_a_restart_with_gates():
    FACTS["app"] = lib.push_image(SETUP, "shop/app", "1.0", b'{"os": "linux", "app": 1}')
    FACTS["app_ref"] = SETUP.url.removeprefix("http://") + "/shop/app:1.0"
    FACTS["remote"] = lib.push_image(OTHER, "vendor/agent", "7", b'{"os": "linux", "agent": 7}')
    FACTS["remote_ref"] = OTHER.url.removeprefix("http://") + "/vendor/agent:7"
    register(FACTS["app"], SUPPLIER, CDX, sbom("app", [OPENSSL]))
    register(CLEAN, SUPPLIER, CDX, sbom("tool", ["pkg:npm/left-pad@1.3.0"]))
    register(FACTS["remote"], SUPPLIER, CDX, sbom("agent", ["pkg:npm/left-pad@1.3.0"]))
    finding = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
               "vulnerabilities": [{"id": CVE, "ratings": [{"severity": "critical"}], "affects": [{"ref": OPENSSL}]}]}
    FACTS["finding"] = register(FACTS["app"], SCANNER, CDX, finding)
    FACTS["policy"] = register("policy:production", SECURITY, POLICY_TYPE, POLICY)
    lib.wait_indexed(SETUP, FACTS["policy"] + 1)
    # Without a gate configuration there are no gate routes.
    status, _, _ = lib.request("POST", SETUP.url + "/gates/kubernetes", b"{}", {"Content-Type": "application/json"})
    assert status == 404, status
    SETUP.stop()
    config = os.path.join(WORK, "gates.json")
    with open(config, "w") as f:
        json.dump({"policy_entry": FACTS["policy"],
                   "namespaces": {"dev": {"mode": "warn"}, "audited": {"mode": "audit"},
                                  "kube-system": {"mode": "off"}}}, f)
    global SERVER
    SERVER = lib.Server(SCITT, WORK, "gates-on", "--issuer-keys", KEYS, "--rate-limit", "0", "--gates", config,
                        data=SETUP.data, start=False)
    SERVER.port, SERVER.url = SETUP.port, SETUP.url  # the registry's host name stays the service's own
    SERVER.start()
    lib.wait_indexed(SERVER, FACTS["policy"] + 1)


def test_a_pod_is_denied_for_its_critical_finding_and_the_verdicts_are_registered():
    spec = {"initContainers": [{"name": "tool", "image": "registry.example/tools/tool@" + CLEAN}],
            "containers": [{"name": "app", "image": FACTS["app_ref"]}]}
    response = admit(review("Pod", "prod", spec))
    assert response["allowed"] is False, response
    message = response["status"]["message"]
    assert response["status"]["code"] == 403, response
    assert f"{FACTS['app_ref']} ({FACTS['app']}): denied by policy production (entry {FACTS['policy']})" in message, message
    assert f"vulnerabilities: denied: {CVE} (critical)" in message, message
    assert "tools/tool" not in message, message  # the clean image passed
    records = verdicts(response)
    assert [(r["image"], r["decision"]) for r in records] == [
        ("registry.example/tools/tool@" + CLEAN, "allow"), (FACTS["app_ref"], "deny")], records
    assert all(r["policy_entry"] == FACTS["policy"] and "verdict_entry" in r for r in records), records
    # The verdict is a statement the service signed, about the image's digest.
    entry = records[1]["verdict_entry"]
    lib.wait_indexed(SERVER, entry + 1)
    status, _, body = lib.request("GET", SERVER.url + "/statements?subject=" + FACTS["app"] + "&type=" +
                                  urllib.parse.quote(VERDICT_TYPE, safe=""))
    assert status == 200, body
    found = json.loads(body)["statements"]
    assert [s["entry"] for s in found] == [entry], found
    assert found[0]["issuer"] == SERVER.url, found
    status, _, statement = lib.request("GET", SERVER.url + f"/entries/{entry}/statement")
    assert status == 200
    sign1 = cbor2.loads(statement).value
    assert cbor2.loads(sign1[0])[3] == VERDICT_TYPE
    verdict = json.loads(sign1[2])
    assert verdict["decision"] == "deny" and verdict["tree_size"] == records[1]["tree_size"], verdict
    assert verdict["admission"] == {"uid": "uid-1", "kind": "Pod", "namespace": "prod", "name": "web",
                                    "operation": "CREATE", "user": "deployer"}, verdict
    assert verdict["mode"] == "enforce" and verdict["policy_entry"] == FACTS["policy"], verdict
    assert {"rule": "script", "outcome": "pass", "reason": "the policy's script allows it", "entries": []} in \
        verdict["rules"], verdict
    assert FACTS["finding"] in next(r for r in verdict["rules"] if r["rule"] == "vulnerabilities")["entries"]
    # Like any statement about an image of this registry, it becomes one of the image's referrers.
    deadline = time.time() + 30  # the attacher follows the log on its own thread; a loaded machine is slow
    while True:
        status, _, body = lib.request("GET", SERVER.url + f"/v2/shop/app/referrers/{FACTS['app']}")
        types = [m.get("annotations", {}).get("org.ietf.scitt.content-type") for m in json.loads(body)["manifests"]]
        if VERDICT_TYPE in types or time.time() > deadline:
            break
        time.sleep(0.05)
    assert VERDICT_TYPE in types, types


def test_warn_audit_and_off_namespaces_admit():
    spec = {"containers": [{"name": "app", "image": FACTS["app_ref"]}]}
    warned = admit(review("Deployment", "dev", spec, uid="uid-2"))
    assert warned["allowed"] is True, warned
    assert len(warned["warnings"]) == 1 and warned["warnings"][0].startswith("scitt would deny " + FACTS["app_ref"])
    assert all(len(w) <= 256 for w in warned["warnings"]), warned
    # The same image under the same policy, nothing new about it: the verdict is the cached one.
    assert verdicts(warned)[0].get("cached") is True, warned
    audited = admit(review("StatefulSet", "audited", spec, uid="uid-3"))
    assert audited["allowed"] is True and "warnings" not in audited, audited
    assert verdicts(audited)[0]["decision"] == "deny", audited
    exempt = admit(review("Pod", "kube-system", spec, uid="uid-4"))
    assert exempt == {"uid": "uid-4", "allowed": True}, exempt
    # Scaling a running Deployment (an UPDATE that adds no image) is not appraised;
    # an UPDATE that brings a new image is.
    scale = review("Deployment", "prod", spec, uid="uid-11", operation="UPDATE")
    scale["request"]["oldObject"] = scale["request"]["object"]
    assert admit(scale) == {"uid": "uid-11", "allowed": True}
    upgrade = review("Deployment", "prod", spec, uid="uid-12", operation="UPDATE")
    upgrade["request"]["oldObject"] = review("Deployment", "prod", {"containers": [
        {"name": "app", "image": "registry.example/tools/tool@" + CLEAN}]})["request"]["object"]
    assert admit(upgrade)["allowed"] is False
    # A dry run is appraised but leaves no verdict in the log.
    dry = review("Pod", "prod", spec, uid="uid-9")
    dry["request"]["dryRun"] = True
    response = admit(dry)
    assert response["allowed"] is False and "verdict_entry" not in verdicts(response)[0], response
    # Deleting runs nothing: nothing to appraise.
    deleted = review("Pod", "prod", spec, uid="uid-5", operation="DELETE")
    deleted["request"]["object"] = None
    assert admit(deleted) == {"uid": "uid-5", "allowed": True}


def test_tags_on_another_registry_and_unresolvable_images():
    spec = {"containers": [{"name": "agent", "image": FACTS["remote_ref"]}]}
    response = admit(review("Pod", "prod", spec, uid="uid-6"))
    assert response["allowed"] is True, response
    assert verdicts(response)[0]["digest"] == FACTS["remote"], response
    missing = FACTS["app_ref"].replace(":1.0", ":9.9")
    spec = {"containers": [{"name": "a", "image": missing}, {"name": "b", "image": "Not A Reference"}]}
    response = admit(review("Pod", "prod", spec, uid="uid-7"))
    assert response["allowed"] is False, response
    message = response["status"]["message"]
    assert "tag 9.9 of shop/app is not in this registry" in message and "Not A Reference" in message, message
    assert [r["decision"] for r in verdicts(response)] == ["error", "error"], response


def test_gatekeeper_gets_an_item_per_key():
    keys = [FACTS["app_ref"], "registry.example/tools/tool@" + CLEAN, "Not A Reference"]
    response = provide(keys)
    items = {item["key"]: item for item in response["items"]}
    assert [item["key"] for item in response["items"]] == keys, response
    app = items[FACTS["app_ref"]]["value"]
    assert app["decision"] == "deny" and app["digest"] == FACTS["app"], app
    assert app["policy"] == "production" and app["policy_entry"] == FACTS["policy"], app
    assert FACTS["finding"] in app["entries"] and app["failures"][0].startswith("vulnerabilities: denied: " + CVE)
    assert items[keys[1]]["value"]["decision"] == "allow" and items[keys[1]]["value"]["failures"] == []
    assert "error" in items["Not A Reference"] and "value" not in items["Not A Reference"], items
    # Another registered policy by query; an entry that is not a policy fails every key.
    other = provide([keys[1]], f"?policy_entry={FACTS['finding']}")
    assert "is not an appraisal policy" in other["items"][0]["error"], other
    status, hdrs, body = lib.request("POST", SERVER.url + "/gates/gatekeeper?policy_entry=x",
                                     json.dumps({"apiVersion": "externaldata.gatekeeper.sh/v1beta1",
                                                 "kind": "ProviderRequest", "request": {"keys": []}}).encode())
    lib.problem(status, hdrs, body, 400)


def test_the_suppliers_vex_admits_the_pod():
    vex = {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://supplier.example/vex/9",
           "author": SUPPLIER, "timestamp": "2026-12-05T10:00:00Z", "version": 1,
           "statements": [{"vulnerability": {"name": CVE}, "products": [{"@id": OPENSSL}],
                           "status": "not_affected", "justification": "vulnerable_code_not_present"}]}
    entry = lib.register(SERVER, ISSUER, OPENSSL, SUPPLIER, OPENVEX, json.dumps(vex).encode())[0]
    lib.wait_indexed(SERVER, entry + 1)
    response = admit(review("Pod", "prod", {"containers": [{"name": "app", "image": FACTS["app_ref"]}]}, uid="uid-8"))
    assert response["allowed"] is True, response
    record = verdicts(response)[0]
    # The VEX was about a dependency of the image: the cached denial went with it.
    assert record["decision"] == "allow" and record["tree_size"] > entry and "cached" not in record, record


def test_a_revocation_by_the_supplier_denies_at_once():
    # Not parsed evidence, yet about the image: the cached allow goes with it.
    entry = lib.register(SERVER, ISSUER, FACTS["app"], SUPPLIER, "application/vnd.scitt.revocation+json",
                         json.dumps({"reason": "build pipeline compromised"}).encode())[0]
    lib.wait_indexed(SERVER, entry + 1)
    response = admit(review("Pod", "prod", {"containers": [{"name": "app", "image": FACTS["app_ref"]}]}, uid="uid-10"))
    assert response["allowed"] is False, response
    assert f"revocations: revoked by {SUPPLIER} (entry {entry}, registered" in response["status"]["message"], response


def test_an_auditor_replays_the_log_with_its_verdicts():
    audit = subprocess.run([SCITT, "log", "verify", "--url", SERVER.url], capture_output=True, text=True)
    assert audit.returncode == 0, audit
    count = int(re.search(r"verdicts: +(\d+) admission verdicts, signed by the service", audit.stdout).group(1))
    assert count >= 8, audit.stdout


def test_decisions_are_counted_in_metrics():
    status, _, body = lib.request("GET", SERVER.url + "/metrics")
    assert status == 200
    text = body.decode()
    assert 'scitt_gate_images_total{cached="false",decision="deny",gate="kubernetes"}' in text, text[-3000:]
    assert 'scitt_gate_images_total{cached="true",decision="deny",gate="kubernetes"}' in text
    assert 'scitt_gate_images_total{cached="false",decision="error",gate="gatekeeper"}' in text
    assert 'scitt_gate_seconds_count{gate="gatekeeper"}' in text


def test_malformed_reviews_are_problem_details():
    for body in [b"{not json", json.dumps({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview",
                                           "request": {"uid": "x"}}).encode(),
                 json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {}}).encode()]:
        lib.problem(*lib.request("POST", SERVER.url + "/gates/kubernetes", body,
                                 {"Content-Type": "application/json"}), 400)
    lib.problem(*lib.request("POST", SERVER.url + "/gates/gatekeeper", b"[]", {"Content-Type": "application/json"}), 400)


def test_gatekeeper_over_mutual_tls():
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=WORK, check=True, capture_output=True)
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *curve, "-keyout", "server.key", "-out", "server.pem", "-subj", "/CN=127.0.0.1",
            "-days", "2", "-addext", "subjectAltName=IP:127.0.0.1")
    for ca in ("gatekeeper-ca", "stranger-ca"):
        openssl("req", "-x509", *curve, "-keyout", ca + ".key", "-out", ca + ".pem", "-subj", "/CN=" + ca, "-days", "2")
        openssl("req", *curve, "-keyout", ca + "-client.key", "-out", ca + "-client.csr", "-subj", "/CN=gatekeeper")
        openssl("x509", "-req", "-in", ca + "-client.csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                "-CAcreateserial", "-days", "2", "-out", ca + "-client.pem")
    config = os.path.join(WORK, "gates-mtls.json")
    with open(config, "w") as f:
        json.dump({"policy_entry": 2}, f)
    port = lib.free_port()
    proc = subprocess.Popen([SCITT, "serve", "--listen", f"127.0.0.1:{port}", "--data", os.path.join(WORK, "mtls-data"),
                             "--tls-cert", os.path.join(WORK, "server.pem"), "--tls-key", os.path.join(WORK, "server.key"),
                             "--tls-client-ca", os.path.join(WORK, "gatekeeper-ca.pem"), "--gates", config,
                             "--issuer-keys", KEYS], cwd=WORK, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def post(path, body, client=None):
        context = ssl.create_default_context(cafile=os.path.join(WORK, "server.pem"))
        if client:
            context.load_cert_chain(os.path.join(WORK, client + "-client.pem"), os.path.join(WORK, client + "-client.key"))
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
        try:
            conn.request("POST", path, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
            res = conn.getresponse()
            return res.status, res.read()
        finally:
            conn.close()
    try:
        provider = {"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest",
                    "request": {"keys": []}}
        for _ in range(400):  # until it listens and has started
            try:
                status, body = post("/gates/gatekeeper", provider)
                if status != 503:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        assert status == 403 and b"client certificate" in body, (status, body)
        status, body = post("/gates/gatekeeper", provider, client="gatekeeper-ca")
        assert status == 200 and json.loads(body)["kind"] == "ProviderResponse", (status, body)
        try:
            status, body = post("/gates/gatekeeper", provider, client="stranger-ca")
            raise AssertionError(f"a certificate from another CA was accepted: {status}")
        except (ssl.SSLError, ConnectionError):
            pass
        # The API server sends no certificate, and the rest of the service needs none.
        status, body = post("/gates/kubernetes", review("Pod", "prod", {"containers": [{"image": "a.example/b@" + CLEAN}]}))
        assert status == 200 and json.loads(body)["response"]["allowed"] is False, (status, body)  # entry 2 is no policy
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_a_registry_that_never_answers_costs_at_most_the_decision_timeout():
    # A listener that accepts and never answers: tags on it cannot be resolved.
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)
    config = os.path.join(WORK, "gates-timeout.json")
    with open(config, "w") as f:
        json.dump({"policy_entry": 2, "resolve_timeout_s": 1, "decision_timeout_s": 1}, f)
    server = lib.Server(SCITT, WORK, "gates-timeout", "--issuer-keys", KEYS, "--gates", config)
    try:
        images = [f"127.0.0.1:{hole.getsockname()[1]}/slow/app-{i}:1" for i in range(6)]
        start = time.time()
        status, _, body = lib.request("POST", server.url + "/gates/kubernetes",
                                      json.dumps(review("Pod", "prod", {"containers": [
                                          {"name": f"c{i}", "image": image} for i, image in enumerate(images)]},
                                          uid="uid-slow")).encode(), {"Content-Type": "application/json"})
        elapsed = time.time() - start
        response = json.loads(body)["response"]
        assert status == 200 and response["allowed"] is False, (status, body)
        # Four at a time wait a second each; the rest are not begun after the deadline.
        assert elapsed < 5, elapsed
        assert "not decided within 1 s (decision_timeout_s)" in response["status"]["message"], response
    finally:
        server.stop()
        hole.close()


class AllServers:
    @staticmethod
    def stop():
        for server in (SERVER, OTHER, SETUP):
            if server:
                server.stop()


sys.exit(lib.run_module_tests(globals(), WORK, AllServers()))
