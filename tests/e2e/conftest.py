"""End-to-end fixtures for keel: real binaries, real sockets, no mocks.

The binaries come from the environment (set by CTest, see tests/CMakeLists.txt):
  KEEL_HELLO  path of examples/hello (keel-hello)
  KEEL_ECHO   path of the test server (keel-echo)
When a variable is unset the tests that need it are skipped (handy when run by hand); in CI they
are always set.

Every socket operation has a timeout (<= 5 s); every server is started on a free 127.0.0.1 port,
waited for with GET /readyz -> 200 (max 10 s) and stopped by PID (SIGTERM, then SIGKILL after 5 s).
Its stdout (JSON log lines) and stderr go to files under the test's tmp_path.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from keel_proc import (binary, clean_env, config_env, free_port, stop_process,  # noqa: E402,F401
                       wait_ready)

SOCK_TIMEOUT = 5.0  # upper bound of every single socket operation
READY_TIMEOUT = 10.0
STOP_GRACE = 5.0

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
PROBLEM_JSON = "application/problem+json"
CANARY = b"GET /canary HTTP/1.1\r\nHost: x\r\n\r\n"


# --------------------------------------------------------------------------------------------
# binaries and ports
# --------------------------------------------------------------------------------------------





# --------------------------------------------------------------------------------------------
# server process
# --------------------------------------------------------------------------------------------

class Server:
    def __init__(self, exe: str, workdir: Path, name: str, env: dict | None = None,
                 args: Iterable[str] = (), admin: bool = False, listen: bool = True,
                 port: int | None = None):
        """listen=False: no --listen is passed; `port` then names where the configuration (file or
        environment) makes the server listen."""
        self.exe = exe
        self.host = "127.0.0.1"
        self.port = free_port() if listen else port
        self.admin_port = free_port() if admin else None
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"{name}.stdout.jsonl"
        self.err_path = workdir / f"{name}.stderr.txt"
        self.env = clean_env()
        self.env.update(env or {})
        cmd = [exe]
        if listen:
            cmd += ["--listen", f"{self.host}:{self.port}"]
        if self.admin_port is not None:
            cmd += ["--admin-listen", f"{self.host}:{self.admin_port}"]
        cmd += list(args)
        self.cmd = cmd
        self._out = open(self.log_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._out, stderr=self._err, env=self.env,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid

    # -- addressing ---------------------------------------------------------------------------
    @property
    def addr(self) -> tuple[str, int]:
        return (self.host, self.port)

    def url(self, path: str = "/", admin: bool = False) -> str:
        port = self.admin_port if admin else self.port
        return f"http://{self.host}:{port}{path}"

    # -- lifecycle ----------------------------------------------------------------------------
    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        wait_ready(self.proc, self.url("/readyz"), lambda: (
            f"cmd: {self.cmd}\nstderr:\n{self.stderr()}\nstdout:\n{self.stdout()}"), timeout)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            os.kill(self.pid, sig)

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        stop_process(self.proc, STOP_GRACE)
        self._out.close()
        self._err.close()

    # -- output -------------------------------------------------------------------------------
    def stdout(self) -> str:
        self._out.flush()
        return self.log_path.read_bytes().decode("utf-8", "replace")

    def stderr(self) -> str:
        self._err.flush()
        return self.err_path.read_bytes().decode("utf-8", "replace")

    def logs(self) -> list[dict]:
        """Every stdout line parsed as JSON; a line that is not a JSON object fails the test."""
        out = []
        for line in self.stdout().splitlines():
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                pytest.fail(f"server stdout line is not JSON: {line!r}")
            if not isinstance(obj, dict):
                pytest.fail(f"server stdout line is not a JSON object: {line!r}")
            out.append(obj)
        return out

    def wait_log(self, pred, timeout: float = 3.0) -> dict | None:
        """First log line for which pred(line) is true, polling up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.logs():
                if pred(line):
                    return line
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    # -- convenience --------------------------------------------------------------------------
    def get(self, path: str, admin: bool = False, **kw) -> httpx.Response:
        kw.setdefault("timeout", SOCK_TIMEOUT)
        return httpx.get(self.url(path, admin=admin), **kw)

    def canary_count(self) -> int:
        r = self.get("/canary/count", headers={"Connection": "close"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert isinstance(body.get("count"), int), body
        return body["count"]


def start_server(exe: str, workdir: Path, name: str, wait: bool = True, **kw) -> Server:
    """Starts a server; retries twice on a lost race for the free port."""
    last_error = None
    for attempt in range(3):
        srv = Server(exe, workdir, f"{name}-{attempt}" if attempt else name, **kw)
        if not wait:
            return srv
        try:
            srv.wait_ready()
            return srv
        except RuntimeError as e:
            last_error = e
            srv.stop()
            if "in use" not in str(e).lower():
                break
    raise last_error  # type: ignore[misc]


@pytest.fixture
def server_factory(tmp_path) -> Iterator:
    """factory(exe, *, env=None, args=(), admin=False, wait=True, name=...) -> Server."""
    started: list[Server] = []
    counter = [0]

    def factory(exe: str, env: dict | None = None, args: Iterable[str] = (), admin: bool = False,
                wait: bool = True, listen: bool = True, port: int | None = None,
                name: str | None = None) -> Server:
        counter[0] += 1
        srv = start_server(exe, tmp_path, f"{name or 'server'}{counter[0]}", wait=wait, env=env,
                           args=args, admin=admin, listen=listen, port=port)
        started.append(srv)
        return srv

    yield factory
    for srv in started:
        srv.stop()


@pytest.fixture
def echo_server(server_factory):
    """echo_server(**config) -> a fresh keel-echo; config keys like server__header_timeout="500ms"
    become KEEL_SERVER__HEADER_TIMEOUT. Special keywords: _args (extra CLI args), _admin (bool:
    start with --admin-listen on a second free port), _wait (bool)."""
    exe = binary("KEEL_ECHO")

    def make(_args: Iterable[str] = (), _admin: bool = False, _wait: bool = True, **config):
        return server_factory(exe, env=config_env(config), args=_args, admin=_admin, wait=_wait,
                              name="echo")

    return make


@pytest.fixture
def hello_server(server_factory):
    """A fresh keel-hello with the default configuration (listen overridden to a free port)."""
    return server_factory(binary("KEEL_HELLO"), name="hello")


@pytest.fixture
def hello_factory(server_factory):
    exe = binary("KEEL_HELLO")

    def make(_args: Iterable[str] = (), _admin: bool = False, _wait: bool = True, **config):
        return server_factory(exe, env=config_env(config), args=_args, admin=_admin, wait=_wait,
                              name="hello")

    return make


@pytest.fixture(scope="module")
def echo(tmp_path_factory):
    """A keel-echo with the default configuration shared by a module's tests (speed)."""
    exe = binary("KEEL_ECHO")
    srv = start_server(exe, tmp_path_factory.mktemp("echo"), "echo-shared")
    yield srv
    srv.stop()


# --------------------------------------------------------------------------------------------
# raw HTTP/1.1 over a socket
# --------------------------------------------------------------------------------------------

class Headers:
    """Ordered, case-insensitive view of response header fields."""

    def __init__(self, items: list[tuple[str, str]]):
        self.items = items

    def get_all(self, name: str) -> list[str]:
        n = name.lower()
        return [v for k, v in self.items if k.lower() == n]

    def get(self, name: str, default=None):
        values = self.get_all(name)
        return values[-1] if values else default

    def __getitem__(self, name: str) -> str:
        values = self.get_all(name)
        if not values:
            raise KeyError(name)
        return values[-1]

    def __contains__(self, name: str) -> bool:
        return bool(self.get_all(name))

    def names(self) -> set[str]:
        return {k.lower() for k, _ in self.items}

    def tokens(self, name: str) -> list[str]:
        """Comma-separated list header (e.g. Connection, Allow) as lowercase tokens."""
        out = []
        for v in self.get_all(name):
            out += [t.strip().lower() for t in v.split(",") if t.strip()]
        return out

    def __repr__(self):
        return f"Headers({self.items!r})"


@dataclass
class Response:
    version: str
    status: int
    reason: str
    headers: Headers
    body: bytes
    raw: bytes = b""

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class ProtocolError(AssertionError):
    pass


_STATUS_RE = re.compile(rb"^(HTTP/\d\.\d) (\d{3}) ?(.*)$")


def _parse_head(head: bytes) -> tuple[str, int, str, Headers]:
    lines = head.split(b"\r\n")
    m = _STATUS_RE.match(lines[0])
    if not m:
        raise ProtocolError(f"malformed status line {lines[0]!r}")
    items = []
    for line in lines[1:]:
        if not line:
            continue
        if b":" not in line or line[:1] in (b" ", b"\t"):
            raise ProtocolError(f"malformed response header line {line!r}")
        name, value = line.split(b":", 1)
        if name != name.strip() or not name:
            raise ProtocolError(f"malformed response header name {name!r}")
        items.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
    return m.group(1).decode(), int(m.group(2)), m.group(3).decode("latin-1"), Headers(items)


def _try_parse(buf: bytes, eof: bool, head_request: bool) -> tuple[Response | None, int]:
    """Parses one response from the start of buf: (response, bytes consumed) or (None, 0)."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None, 0
    version, status, reason, headers = _parse_head(buf[:end])
    pos = end + 4
    if 100 <= status < 200 or status in (204, 304) or head_request:
        return Response(version, status, reason, headers, b"", buf[:pos]), pos
    te = headers.tokens("transfer-encoding")
    if te:
        if te[-1] != "chunked":
            raise ProtocolError(f"response Transfer-Encoding {te} not ending in chunked")
        body = bytearray()
        p = pos
        while True:
            eol = buf.find(b"\r\n", p)
            if eol < 0:
                return None, 0
            size = int(buf[p:eol].split(b";")[0].strip(), 16)
            p = eol + 2
            if size == 0:
                tend = buf.find(b"\r\n\r\n", p - 2)
                if tend < 0:
                    return None, 0
                p = tend + 4
                return Response(version, status, reason, headers, bytes(body), buf[:p]), p
            if len(buf) < p + size + 2:
                return None, 0
            body += buf[p:p + size]
            if buf[p + size:p + size + 2] != b"\r\n":
                raise ProtocolError("bad chunk terminator in response")
            p += size + 2
    cls = headers.get_all("content-length")
    if cls:
        if len(set(cls)) != 1 or not cls[0].isdigit():
            raise ProtocolError(f"bad response Content-Length {cls}")
        n = int(cls[0])
        if len(buf) < pos + n:
            return None, 0
        return Response(version, status, reason, headers, buf[pos:pos + n], buf[:pos + n]), pos + n
    # close-delimited
    if not eof:
        return None, 0
    return Response(version, status, reason, headers, buf[pos:], buf), len(buf)


class Conn:
    """A client connection with a receive buffer and an incremental response parser."""

    def __init__(self, server_or_addr, timeout: float = SOCK_TIMEOUT, rcvbuf: int | None = None,
                 admin: bool = False):
        if isinstance(server_or_addr, Server):
            addr = (server_or_addr.host,
                    server_or_addr.admin_port if admin else server_or_addr.port)
        else:
            addr = server_or_addr
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(min(timeout, SOCK_TIMEOUT))
        self.sock.connect(addr)
        self.buf = b""
        self.eof = False
        self.reset = False

    def send(self, data: bytes) -> None:
        self.sock.settimeout(SOCK_TIMEOUT)
        self.sock.sendall(data)

    def send_slowly(self, parts: Iterable) -> None:
        """parts: bytes are sent, numbers are sleeps in seconds."""
        for p in parts:
            if isinstance(p, (int, float)):
                time.sleep(p)
            else:
                self.send(p)

    def _fill(self, deadline: float) -> bool:
        """Receives once. True if bytes arrived; False on EOF/reset or deadline."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(min(remaining, SOCK_TIMEOUT))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            self.eof = self.reset = True
            return False
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def read_response(self, timeout: float = SOCK_TIMEOUT, head: bool = False,
                      skip_1xx: bool = True) -> Response | None:
        """Next complete response; None if the connection ended or `timeout` passed first."""
        deadline = time.monotonic() + min(timeout, SOCK_TIMEOUT)
        while True:
            resp, used = _try_parse(self.buf, self.eof, head)
            if resp is not None:
                self.buf = self.buf[used:]
                if skip_1xx and 100 <= resp.status < 200:
                    continue
                return resp
            if not self._fill(deadline):
                resp, used = _try_parse(self.buf, self.eof, head)
                if resp is not None:
                    self.buf = self.buf[used:]
                    if skip_1xx and 100 <= resp.status < 200:
                        continue
                    return resp
                return None

    def request(self, data: bytes, timeout: float = SOCK_TIMEOUT, head: bool = False) -> Response:
        self.send(data)
        resp = self.read_response(timeout=timeout, head=head)
        assert resp is not None, (f"no response to {data[:200]!r} (eof={self.eof}, "
                                  f"buffered={self.buf[:200]!r})")
        return resp

    def wait_closed(self, timeout: float) -> bool:
        """True if the peer closed (EOF or reset) within `timeout`; received bytes are kept."""
        deadline = time.monotonic() + min(timeout, SOCK_TIMEOUT)
        while not self.eof and time.monotonic() < deadline:
            self._fill(deadline)
        return self.eof

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class RawResult:
    responses: list[Response]
    closed: bool
    leftover: bytes = b""
    elapsed: float = 0.0

    @property
    def first(self) -> Response | None:
        return self.responses[0] if self.responses else None

    # unpacks as (status, headers, body, closed) of the first response
    def __iter__(self):
        r = self.first
        return iter((r.status if r else None, r.headers if r else Headers([]),
                     r.body if r else b"", self.closed))


def raw(server, data, read_timeout: float = 1.0, head: bool | list = False,
        expect: int | None = None, settle: float = 0.3, keep_1xx: bool = False) -> RawResult:
    """Sends `data` (bytes, or a list of bytes and sleep-seconds) on a fresh connection and parses
    the HTTP/1.1 responses received until the server closes the connection or nothing arrives for
    `read_timeout` seconds. With `expect`, stops `settle` seconds after the expect-th response
    unless the connection closes earlier. `head`: True, or a per-response list of booleans (a
    response to HEAD has no body). Unpacks as (status, headers, body, closed) of the first."""
    t0 = time.monotonic()
    with Conn(server) as c:
        try:
            if isinstance(data, (bytes, bytearray)):
                c.send(bytes(data))
            else:
                c.send_slowly(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything we send
        responses: list[Response] = []
        while True:
            is_head = head[len(responses)] if isinstance(head, list) and len(responses) < len(head) \
                else (head if isinstance(head, bool) else False)
            wait = read_timeout
            if expect is not None and len(responses) >= expect:
                wait = settle
            r = c.read_response(timeout=wait, head=is_head, skip_1xx=not keep_1xx)
            if r is None:
                break
            responses.append(r)
        if not c.eof and expect is not None and len(responses) >= expect:
            c.wait_closed(min(settle, 0.05))
        return RawResult(responses, c.eof, c.buf, time.monotonic() - t0)


# --------------------------------------------------------------------------------------------
# shared assertions
# --------------------------------------------------------------------------------------------

def assert_problem(resp: Response, status: int, request_id: str | None = None) -> dict:
    """An RFC 9457 problem+json error response with the given status."""
    assert resp.status == status, f"expected {status}, got {resp.status} {resp.reason}: {resp.body[:300]!r}"
    ctype = resp.headers.get("content-type", "")
    assert ctype.split(";")[0].strip().lower() == PROBLEM_JSON, f"Content-Type {ctype!r}"
    try:
        body = json.loads(resp.body)
    except ValueError:
        pytest.fail(f"problem body is not JSON: {resp.body[:300]!r}")
    assert isinstance(body, dict), body
    for key in ("type", "title", "status", "detail", "instance"):
        assert key in body, f"problem body lacks {key!r}: {body}"
    assert isinstance(body["type"], str) and body["type"], body
    assert isinstance(body["title"], str) and body["title"], body
    assert type(body["status"]) is int and body["status"] == status, body
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    assert isinstance(body["instance"], str) and REQUEST_ID_RE.match(body["instance"]), body
    rid = resp.headers.get("x-request-id")
    assert rid is not None, f"no X-Request-Id on a {status} response"
    assert body["instance"] == rid, (body["instance"], rid)
    if request_id is not None:
        assert body["instance"] == request_id, (body["instance"], request_id)
    cl = resp.headers.get("content-length")
    if cl is not None:
        assert int(cl) == len(resp.body)
    return body


def assert_closes_without_smuggling(server: Server, bad: bytes, status: int) -> RawResult:
    """The smuggling oracle: the bad request with a complete GET /canary appended in the same
    write -> exactly one response (the error), the connection is closed, the canary is not
    counted."""
    before = server.canary_count()
    res = raw(server, bad + CANARY, read_timeout=2.0)
    statuses = [r.status for r in res.responses]
    assert len(res.responses) == 1, f"expected exactly one response, got {statuses}"
    assert_problem(res.first, status)
    assert res.closed, f"connection left open after {status}"
    after = server.canary_count()
    assert after == before, f"smuggled /canary was executed ({before} -> {after})"
    return res


def metric_samples(text: str) -> list[tuple[str, dict, float]]:
    """Parses Prometheus text format samples: [(name, labels, value)]."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$', line)
        assert m, f"unparsable metrics line {line!r}"
        labels = {}
        if m.group(3):
            for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3)):
                labels[lm.group(1)] = lm.group(2)
        v = m.group(4)
        value = float("inf") if v == "+Inf" else float("-inf") if v == "-Inf" else float(v)
        out.append((m.group(1), labels, value))
    return out
