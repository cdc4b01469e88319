"""Graceful shutdown: SIGTERM stops accepting, drains in-flight requests within drain_timeout,
exits 0; a second SIGTERM exits at once."""

import signal
import socket
import threading
import time

from conftest import Conn


class InFlight(threading.Thread):
    """Sends one request on its own connection and records the response (or its absence)."""

    def __init__(self, server, request: bytes, timeout: float):
        super().__init__(daemon=True)
        self.conn = Conn(server)
        self.request = request
        self.timeout = timeout
        self.response = None
        self.error = None
        self.sent = threading.Event()

    def run(self):
        try:
            self.conn.send(self.request)
            self.sent.set()
            self.response = self.conn.read_response(timeout=self.timeout)
        except OSError as e:
            self.error = e
        finally:
            self.sent.set()


def new_connection_refused_or_closed(server) -> tuple[bool, str]:
    s = socket.socket()
    s.settimeout(2.0)
    try:
        s.connect(server.addr)
    except ConnectionRefusedError:
        return True, "refused"
    except OSError as e:
        return False, f"connect error {e!r}"
    try:
        s.sendall(b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n")
        data = s.recv(4096)
        if data == b"":
            return True, "closed without a response"
        return False, f"answered: {data[:120]!r}"
    except ConnectionResetError:
        return True, "reset"
    except BrokenPipeError:
        return True, "broken pipe"
    except socket.timeout:
        return False, "accepted and left hanging for 2 s"
    finally:
        s.close()


def test_graceful_drain(echo_server):
    srv = echo_server(server__drain_timeout="5s")
    inflight = InFlight(srv, b"GET /delay?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5.0)
    inflight.start()
    assert inflight.sent.wait(2.0)
    time.sleep(0.2)
    t_term = time.monotonic()
    srv.signal(signal.SIGTERM)
    time.sleep(0.3)
    ok, how = new_connection_refused_or_closed(srv)
    assert ok, f"new connection during drain: {how}"
    inflight.join(6.0)
    assert inflight.error is None, inflight.error
    r = inflight.response
    assert r is not None, "in-flight request got no response during drain"
    assert (r.status, r.body) == (200, b"done")
    code = srv.wait_exit(5.0 + 2.0 - (time.monotonic() - t_term))
    assert code == 0, f"exit status {code} (None = still running)\nstderr:\n{srv.stderr()}"


def test_readyz_not_200_while_draining(echo_server):
    srv = echo_server(server__drain_timeout="5s")
    with Conn(srv) as keep:
        r = keep.request(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert r.status == 200
        inflight = InFlight(srv, b"GET /delay?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5.0)
        inflight.start()
        assert inflight.sent.wait(2.0)
        time.sleep(0.2)
        srv.signal(signal.SIGTERM)
        time.sleep(0.1)
        try:
            keep.send(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
            r = keep.read_response(timeout=2.0)
        except (BrokenPipeError, ConnectionResetError):
            r = None
        if r is not None:  # an idle keep-alive connection may also just be closed
            assert r.status == 503, f"/readyz answered {r.status} while draining"
        inflight.join(6.0)
        assert inflight.response is not None and inflight.response.status == 200
    assert srv.wait_exit(7.0) == 0


def test_idle_keepalive_connections_do_not_delay_exit(echo_server):
    """Nothing in flight, one idle keep-alive connection: SIGTERM -> exit 0 promptly."""
    srv = echo_server(server__drain_timeout="10s")
    with Conn(srv) as idle:
        assert idle.request(b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n").status == 200
        t0 = time.monotonic()
        srv.signal(signal.SIGTERM)
        code = srv.wait_exit(3.0)
        assert code == 0, f"exit status {code} after {time.monotonic() - t0:.1f}s (None = running)"
        assert idle.wait_closed(1.0)


def test_drain_timeout_abandons_inflight(echo_server):
    srv = echo_server(server__drain_timeout="500ms")
    inflight = InFlight(srv, b"GET /delay?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n", timeout=4.0)
    inflight.start()
    assert inflight.sent.wait(2.0)
    time.sleep(0.2)
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    code = srv.wait_exit(2.5)
    elapsed = time.monotonic() - t0
    assert code == 0, f"exit status {code} after {elapsed:.1f}s (None = still running)"
    assert elapsed < 2.0, f"exited after {elapsed:.2f}s"
    inflight.join(5.0)
    r = inflight.response
    assert r is None or r.status != 200, "abandoned request still answered 200"


def test_second_sigterm_exits_immediately(echo_server):
    srv = echo_server(server__drain_timeout="10s")
    inflight = InFlight(srv, b"GET /delay?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n", timeout=4.0)
    inflight.start()
    assert inflight.sent.wait(2.0)
    time.sleep(0.2)
    srv.signal(signal.SIGTERM)
    time.sleep(0.1)
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    code = srv.wait_exit(2.0)
    elapsed = time.monotonic() - t0
    assert code is not None, "still running 2 s after the second SIGTERM"
    assert elapsed < 1.0, f"exited {elapsed:.2f}s after the second SIGTERM"
    inflight.join(5.0)
