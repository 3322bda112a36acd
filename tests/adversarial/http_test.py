#!/usr/bin/python3
"""Hostile HTTP clients against the real `scitt serve` on loopback (issue 10).

Each attack runs for a bounded time while an ordinary client polls
GET /health; the case asserts the server's resident memory stays bounded and
the ordinary client is answered within a generous bound. The bounds are
containment bounds, not speed figures.

Usage: http_test.py PATH/TO/scitt
"""
import json
import os
import socket
import sys
import tempfile
import threading
import time

import cbor2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import scitt_testlib as lib  # noqa: E402

SCITT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="scitt-http-adv-")

MiB = 1 << 20


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def raw_exchange(port, data, source="127.0.0.1", timeout=10):
    """Sends `data` and returns everything read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0)) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def split_response(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return status, headers, body


class Watch:
    """While an attack runs: the server's peak RSS and the slowest answer an
    ordinary client got to GET /health (a client from another loopback
    address, 127.0.0.2, so per-address limits do not hide a starved server)."""

    def __init__(self, server):
        self.server = server
        self.peak_rss = rss_bytes(server.proc.pid)
        self.slowest = 0.0
        self.failures = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._memory), threading.Thread(target=self._health)]

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join()

    def _memory(self):
        while not self._stop.is_set():
            try:
                self.peak_rss = max(self.peak_rss, rss_bytes(self.server.proc.pid))
            except OSError:
                return
            time.sleep(0.02)

    def _health(self):
        request = b"GET /health HTTP/1.1\r\nHost: health\r\nConnection: close\r\n\r\n"
        while not self._stop.is_set():
            start = time.time()
            try:
                status, _, _ = split_response(raw_exchange(self.server.port, request, source="127.0.0.2", timeout=20))
                if status != 200:
                    self.failures.append(f"status {status}")
            except (OSError, IndexError, ValueError) as e:
                self.failures.append(repr(e))
            self.slowest = max(self.slowest, time.time() - start)
            time.sleep(0.1)

    def check(self, what, max_growth, baseline, max_latency=3.0):
        growth = self.peak_rss - baseline
        print(f"  {what}: RSS {baseline / MiB:.0f} -> peak {self.peak_rss / MiB:.0f} MiB, "
              f"slowest /health {self.slowest:.2f} s")
        assert not self.failures, f"{what}: /health failed: {self.failures[:3]}"
        assert growth < max_growth, f"{what}: RSS grew by {growth / MiB:.0f} MiB"
        assert self.slowest < max_latency, f"{what}: /health took {self.slowest:.1f} s"


def test_problem_details_are_valid_cbor(server):
    # RFC 8949 §3.1: text strings are UTF-8; the path decodes to 0xff 0xfe.
    status, hdrs, body = lib.request("GET", server.url + "/entries/%ff%fe")
    assert status in (400, 404), status
    assert hdrs["content-type"] == lib.PROBLEM_TYPE
    doc = cbor2.loads(body)  # strict: invalid UTF-8 raises
    assert isinstance(doc[-1], str)


def flood(port, head, filler, seconds):
    """Sends `head`, then `filler` as fast as the server takes it for up to
    `seconds`; returns (bytes sent, the server's answer, seconds to answer)."""
    start = time.time()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        s.setblocking(False)
        block = filler * (65536 // len(filler))
        while time.time() - start < seconds:
            try:
                sent += s.send(block)
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                break  # the server answered and closed
        s.settimeout(10)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
        return sent, answer, time.time() - start


def test_unterminated_chunk_lines(server):
    # Before authentication and rate limiting: an endless chunk extension,
    # an endless chunk size of zeros and an endless trailer line.
    head = (b"POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    cases = [("endless chunk extension", head + b"1;ext=", b"a", 400),
             ("endless chunk size", head, b"0", 400),
             ("endless trailer line", head + b"0\r\nX-Trailer: ", b"a", 431)]
    for what, start, filler, want in cases:
        baseline = rss_bytes(server.proc.pid)
        with Watch(server) as watch:
            sent, answer, seconds = flood(server.port, start, filler, 3)
        watch.check(what, 64 * MiB, baseline)
        assert answer, f"{what}: no answer after {sent} bytes"
        status, _, body = split_response(answer)
        assert status == want, f"{what}: status {status}"
        assert seconds < 10, f"{what}: answered after {seconds:.1f} s"


def test_pipelined_large_reads_not_read(server):
    # A log whose GET /entries page is ~10 MB; 8 connections each pipeline 16
    # of them and never read an answer. Without a bound on the response bytes
    # a connection queues, that is 128 pages (1.3 GB, more with copies).
    issuer = lib.Issuer()
    keys = os.path.join(WORK, "big-issuer.json")
    with open(keys, "w") as f:
        json.dump(issuer.jwks(), f)
    # Pages are bounded in bytes too (--max-page-bytes, 8 MiB by default);
    # raised here so that each one is ~10 MB.
    big = lib.Server(SCITT, WORK, "big", "--issuer-keys", keys, "--rate-limit", "0",
                     "--max-page-bytes", str(12 * 1000 * 1000))
    sockets = []
    try:
        filler = b"x" * (200 * 1024)
        for i in range(50):
            payload = b'{"n": %d, "pad": "' % i + filler + b'"}'
            status, _, body = lib.request("POST", big.url + "/entries", issuer.sign(f"pkg:big/{i}", payload),
                                          {"Content-Type": "application/cose"})
            assert status == 201, (status, body[:200])
        status, _, page = lib.request("GET", big.url + "/entries?limit=1000")
        assert status == 200 and len(page) > 10 * 1000 * 1000, (status, len(page))
        request = b"GET /entries?limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n" * 16
        baseline = rss_bytes(big.proc.pid)
        with Watch(big) as watch:
            for _ in range(8):
                s = socket.create_connection(("127.0.0.1", big.port), timeout=10)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                s.sendall(request)
                sockets.append(s)
            time.sleep(4)
        # Pages are built on the read workers; /health on the I/O threads.
        watch.check("8 connections x 16 pipelined 10 MB pages, unread", 400 * MiB, baseline, max_latency=2.0)
    finally:
        for s in sockets:
            s.close()
        big.stop()


def test_refused_before_the_body():
    # An unauthenticated POST with Expect: 100-continue gets its 401 at once,
    # without 100 Continue and without uploading its body; the scheme name
    # is case-insensitive (RFC 9110 §11.1).
    issuer = lib.Issuer()
    keys = os.path.join(WORK, "tok-issuer.json")
    with open(keys, "w") as f:
        json.dump(issuer.jwks(), f)
    tokens = os.path.join(WORK, "tokens.txt")
    with open(tokens, "w") as f:
        f.write("# submitters\nsecret-token-1\n")
    server = lib.Server(SCITT, WORK, "tokens", "--issuer-keys", keys, "--submit-tokens", tokens)
    try:
        head = (b"POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/cose\r\n"
                b"Content-Length: 1000000\r\nExpect: 100-continue\r\n\r\n")
        status, hdrs, body = split_response(raw_exchange(server.port, head))
        lib.problem(status, hdrs, body, 401)
        assert hdrs["connection"] == "close"
        for i, scheme in enumerate(["Bearer", "bearer", "BEARER"]):
            statement = issuer.sign(f"pkg:tok/{i}", b"{}")
            status, _, body = lib.request("POST", server.url + "/entries", statement,
                                          {"Content-Type": "application/cose",
                                           "Authorization": f"{scheme} secret-token-1"})
            assert status == 201, (scheme, status, body[:200])
        status, _, _ = lib.request("POST", server.url + "/entries", issuer.sign("pkg:tok/x", b"{}"),
                                   {"Content-Type": "application/cose", "Authorization": "Bearer secret-token-2"})
        assert status == 401
    finally:
        server.stop()


def test_one_address_cannot_take_every_connection(server):
    # 2,000 idle connections from 127.0.0.1 (the limit per address is 256 by
    # default): the server closes those over the limit at once, and a client
    # from 127.0.0.2 is still served meanwhile.
    baseline = rss_bytes(server.proc.pid)
    idle = []
    try:
        with Watch(server) as watch:
            for _ in range(2000):
                try:
                    idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
                except OSError:
                    pass
            time.sleep(1)
            closed = 0
            for s in idle:
                s.setblocking(False)
                try:
                    closed += s.recv(1) == b""
                except BlockingIOError:
                    pass
                except OSError:
                    closed += 1
        watch.check("2,000 idle connections from one address", 64 * MiB, baseline)
        assert closed >= 2000 - 256, f"only {closed} of 2000 connections were closed"
    finally:
        for s in idle:
            s.close()
    # Once its connections are gone, the address is served again.
    deadline = time.time() + 10
    while lib.request("GET", server.url + "/health", timeout=10)[0] != 200:
        assert time.time() < deadline
        time.sleep(0.1)


def main():
    server = lib.Server(SCITT, WORK, "http", "--rate-limit", "0")
    tests = [
        ("problem details are valid CBOR", test_problem_details_are_valid_cbor),
        ("unterminated chunk lines and trailers", test_unterminated_chunk_lines),
        ("pipelined large reads never read", test_pipelined_large_reads_not_read),
        ("refused before the body", test_refused_before_the_body),
        ("one address cannot take every connection", test_one_address_cannot_take_every_connection),
    ]
    with_server = [(name, lambda fn=fn: fn(server) if fn.__code__.co_argcount else fn()) for name, fn in tests]
    return lib.run_tests(with_server + [("server stops cleanly", server.stop)], WORK)


if __name__ == "__main__":
    sys.exit(main())
