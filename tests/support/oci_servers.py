"""Registries for the client tests, on loopback: Debian's docker-registry
2.8.2 (no referrers API), a Docker-token-flow gateway in front of it, and a
registry whose referrers come in `Link`-chained pages.
"""
import base64
import hashlib
import http.client
import http.server
import json
import os
import re
import subprocess
import threading
import time

import scitt_testlib as lib

DOCKER_REGISTRY = "/usr/bin/docker-registry"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class DockerRegistry:
    """Debian's docker-registry 2.8.2 on a free loopback port."""

    def __init__(self, work):
        assert os.path.exists(DOCKER_REGISTRY), (
            f"{DOCKER_REGISTRY} is not installed (scripts/setup.sh --test installs docker-registry)")
        self.port = lib.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        root = os.path.join(work, "docker-registry-data")
        config = os.path.join(work, "docker-registry.yml")
        with open(config, "w") as f:
            f.write(f"""version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{self.port}
""")
        self.log = open(os.path.join(work, "docker-registry.log"), "w")
        self.proc = subprocess.Popen([DOCKER_REGISTRY, "serve", config], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            assert self.proc.poll() is None, "docker-registry exited; see docker-registry.log"
            try:
                if lib.request("GET", self.url + "/v2/", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("docker-registry did not come up")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()


class TokenGateway:
    """The Docker token flow in front of docker-registry: every /v2/ request
    needs `Authorization: Bearer` for its repository scope, else 401 with
    `Bearer realm=…,service=…,scope=…`; the realm hands out push tokens for
    Basic tokenuser:tokenpass and pull tokens to anyone. Then it proxies."""

    USER, PASSWORD = "tokenuser", "tokenpass"

    def __init__(self, upstream):
        self.token_requests = []
        self.bearer_requests = 0
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, headers, body=b""):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def token(self):
                query = dict(p.split("=", 1) for p in self.path.split("?", 1)[1].split("&"))
                scope = query.get("scope", "").replace("%3A", ":").replace("%2C", ",")
                auth = self.headers.get("Authorization")
                gateway.token_requests.append(scope)
                if auth is not None:
                    if auth != "Basic " + base64.b64encode(f"{gateway.USER}:{gateway.PASSWORD}".encode()).decode():
                        return self.reply(401, [("Content-Length", "0")])
                elif scope.endswith(",push"):
                    scope = scope[:-len(",push")]  # anonymous: pull only
                body = json.dumps({"token": "tok-" + scope}).encode()
                self.reply(200, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body)

            def handle_any(self):
                if self.path.startswith("/token?"):
                    return self.token()
                match = re.match(r"^/v2/(.+?)/(manifests|blobs|tags|referrers)/", self.path)
                scope = ("repository:" + match.group(1) + (":pull" if self.command in ("GET", "HEAD") else ":pull,push")
                         if match else "")
                have = self.headers.get("Authorization", "")
                if have != "Bearer tok-" + scope and not (scope.endswith(":pull") and have == f"Bearer tok-{scope},push"):
                    challenge = f'Bearer realm="http://127.0.0.1:{gateway.port}/token",service="gateway"'
                    if scope:
                        challenge += f',scope="{scope}"'
                    return self.reply(401, [("WWW-Authenticate", challenge), ("Content-Length", "0")])
                gateway.bearer_requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "connection")}
                conn = http.client.HTTPConnection("127.0.0.1", upstream.port, timeout=60)
                conn.request(self.command, self.path, body=body, headers=headers)
                res = conn.getresponse()
                data = res.read()
                conn.close()
                out = [(k, v) for k, v in res.getheaders() if k.lower() not in ("transfer-encoding", "connection")]
                if self.command != "HEAD" and not res.getheader("Content-Length"):
                    out.append(("Content-Length", str(len(data))))
                self.reply(res.status, out, data)

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class PagedRegistry:
    """A registry whose referrers list comes in pages chained by `Link`,
    without OCI-Filters-Applied (so the client filters), and, for the repository
    `loop`, a second page that links back to the first."""

    def __init__(self):
        image = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(b"{}"), "size": 2},
            "layers": []}).encode()
        self.image_digest = sha256(image)
        types = ["application/spdx+json", "application/vnd.cyclonedx+json", "application/spdx+json"]
        descriptors = [{"mediaType": OCI_MANIFEST, "digest": sha256(str(i).encode()), "size": 100 + i,
                        "artifactType": t, "annotations": {"page": str(i // 2 + 1)}} for i, t in enumerate(types)]

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body, headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path, _, query = self.path.partition("?")
                match = re.match(r"^/v2/(paged|loop)/(manifests|referrers)/(.+)$", path)
                if path == "/v2/":
                    return self.reply(200, b"{}")
                if not match:
                    return self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}')
                repo, kind, ref = match.groups()
                if kind == "manifests":
                    return self.reply(200, image, [("Content-Type", OCI_MANIFEST),
                                                   ("Docker-Content-Digest", self_.image_digest)])
                if ref != self_.image_digest:
                    return self.reply(200, json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                                       "manifests": []}).encode(), [("Content-Type", OCI_INDEX)])
                second = "page=2" in query
                page = descriptors[2:] if second else descriptors[:2]
                headers = [("Content-Type", OCI_INDEX)]
                if not second:
                    headers.append(("Link", f'<{path}?page=2>; rel="next"'))
                elif repo == "loop":
                    headers.append(("Link", f'<http://127.0.0.1:{self_.port}{path}?page=1>; rel="next", '
                                            f'<{path}?page=1>; rel="next"'))
                body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": page}).encode()
                self.reply(200, body, headers)

        self_ = self
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def not_a_registry():
    """host:port of a web server that answers 404 to everything."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(404)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"not found")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"127.0.0.1:{server.server_address[1]}"
