#!/usr/bin/python3
"""The deploy/ manifests read back and checked against the service they
deploy (docs/deployment-gates.md): the webhook and the Gatekeeper Provider
call routes the service has, with the protocol versions it speaks; every
`scitt serve` flag the Deployment passes exists; the webhook and the
constraint cover exactly the kinds whose images the gate reads; and the
Rego reads only fields the provider answers with.

Usage: deploy_manifests_test.py PATH/TO/scitt
"""
import os
import re
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
DEPLOY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy")
# The kinds gates/kubernetes.cc reads images from, by API group and resource.
GATED = {("", "pods"): "Pod", ("", "pods/ephemeralcontainers"): "Pod", ("", "replicationcontrollers"):
         "ReplicationController", ("", "podtemplates"): "PodTemplate", ("apps", "deployments"): "Deployment",
         ("apps", "replicasets"): "ReplicaSet", ("apps", "statefulsets"): "StatefulSet",
         ("apps", "daemonsets"): "DaemonSet", ("batch", "jobs"): "Job", ("batch", "cronjobs"): "CronJob"}
# What /gates/gatekeeper puts in an item's value (tests/api/gates_test.py checks the answers).
PROVIDER_VALUE_FIELDS = {"decision", "digest", "policy", "policy_entry", "tree_size", "failures", "entries"}


def documents(*path):
    with open(os.path.join(DEPLOY, *path)) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def one(docs, kind):
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, (kind, docs)
    return found[0]


def test_the_webhook_calls_the_admission_route():
    webhook = one(documents("kubernetes", "validating-webhook.yaml"), "ValidatingWebhookConfiguration")
    [hook] = webhook["webhooks"]
    assert hook["admissionReviewVersions"] == ["v1"], hook
    assert hook["sideEffects"] == "NoneOnDryRun" and hook["failurePolicy"] == "Fail", hook
    assert hook["clientConfig"]["service"]["path"] == "/gates/kubernetes", hook
    assert 1 <= hook["timeoutSeconds"] <= 30, hook
    covered = {(group, resource) for rule in hook["rules"] for group in rule["apiGroups"]
               for resource in rule["resources"]}
    assert covered == set(GATED), covered ^ set(GATED)
    service = one(documents("kubernetes", "scitt.yaml"), "Service")
    assert hook["clientConfig"]["service"]["name"] == service["metadata"]["name"]
    assert hook["clientConfig"]["service"]["namespace"] == service["metadata"]["namespace"]
    assert hook["clientConfig"]["service"]["port"] == service["spec"]["ports"][0]["port"]


def test_the_deployment_passes_only_flags_the_service_has():
    deployment = one(documents("kubernetes", "scitt.yaml"), "Deployment")
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"][0] == "serve", container
    help_text = subprocess.run([SCITT, "serve", "--help"], capture_output=True, text=True)
    usage = help_text.stdout + help_text.stderr
    for arg in container["args"][1:]:
        flag = arg.split("=", 1)[0]
        assert re.search(re.escape(flag) + r"\b", usage), f"{flag} is not a `scitt serve` flag"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    for arg in container["args"][1:]:
        value = arg.split("=", 1)[1]
        if value.startswith("/etc/scitt/") or value.startswith("/var/lib/scitt"):
            assert any(value.startswith(path) for path in mounts.values()), f"{arg}: nothing is mounted there"


def test_the_provider_and_the_constraint():
    provider = one(documents("gatekeeper", "provider.yaml"), "Provider")
    assert provider["apiVersion"] == "externaldata.gatekeeper.sh/v1beta1", provider
    assert provider["spec"]["url"].startswith("https://") and provider["spec"]["url"].endswith("/gates/gatekeeper")
    assert provider["spec"]["timeout"] <= 3, provider  # Gatekeeper's budget
    template = one(documents("gatekeeper", "constraint-template.yaml"), "ConstraintTemplate")
    constraint = one(documents("gatekeeper", "constraint.yaml"), template["spec"]["crd"]["spec"]["names"]["kind"])
    assert constraint["spec"]["parameters"]["provider"] == provider["metadata"]["name"], constraint
    kinds = {(group, kind) for match in constraint["spec"]["match"]["kinds"] for group in match["apiGroups"]
             for kind in match["kinds"]}
    assert kinds == {(group, kind) for (group, _), kind in GATED.items()}, kinds
    [target] = template["spec"]["targets"]
    rego = target["rego"]
    read = set(re.findall(r"item\[1\]\.(\w+)", rego))
    assert read and read <= PROVIDER_VALUE_FIELDS, read - PROVIDER_VALUE_FIELDS
    for field in ("containers", "initContainers", "ephemeralContainers", "jobTemplate", "template"):
        assert field in rego, field
    for answer in ("responses", "errors", "system_error"):
        assert "appraisal." + answer in rego, answer


class NoServer:
    @staticmethod
    def stop():
        pass


sys.exit(lib.run_module_tests(globals(), "/nonexistent-work-dir", NoServer()))
