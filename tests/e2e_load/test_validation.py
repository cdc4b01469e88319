"""keel-load measures what a server does: known delays, and stalls that closed-loop tools hide."""

from __future__ import annotations

import math
import shutil
import socket
import subprocess
import time

import pytest

from conftest import parse_wrk_latency, parse_wrk_max


def test_percentiles_match_a_known_delay(echo_server, keel_load):
    # 200 req/s x 20 ms = 4 requests in flight on average; 16 connections never run out.
    run = keel_load(echo_server.url("/delay?ms=20"), "-r", "200", "-d", "5s", "-c", "16")
    s = run.summary
    lat = s["latency_ms"]
    assert s["totals"]["responses"] == 1000
    assert s["totals"]["status"] == {"200": 1000}
    assert s["totals"]["errors"] == 0
    # The server sleeps 20 ms on a precise timer; the client adds loopback and scheduling noise.
    assert 19.5 <= lat["p50"] <= 25, lat
    assert 19.5 <= lat["p99"] <= 40, lat
    assert lat["min"] >= 19.5, lat
    print(f"delay 20 ms: p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms")
    # Per second too: every full second has its 200 requests and a p50 near 20 ms.
    rows = run.timeseries
    assert [r["scheduled"] for r in rows[:5]] == [200] * 5
    assert all(19.5 <= r["p50_ms"] <= 30 for r in rows[:5]), rows


def test_a_stall_is_reported_where_a_closed_loop_tool_hides_it(start_server, keel_load):
    # The server writes no response for 1 s, 1.5 s after its first request.
    stall = ("--stall-at", "1.5", "--stall-for", "1.0")
    server = start_server(*stall)
    run = keel_load(server.url("/ok"), "-r", "200", "-d", "4s", "-c", "4")
    s = run.summary
    lat = s["latency_ms"]
    assert s["totals"]["responses"] == 800
    assert s["totals"]["errors"] == 0
    # ~200 of 800 requests were scheduled during the stall and waited for its end: latency
    # counted from their scheduled time spreads from ~1 s down to 0, so p99 is near 1 s.
    assert lat["p99"] >= 500, lat
    assert lat["max"] >= 800, lat
    assert lat["p50"] < 100, lat
    assert s["totals"]["late"] > 100  # they found every connection busy
    stalled_seconds = [r for r in run.timeseries if r["p99_ms"] is not None and r["p99_ms"] > 300]
    assert 1 <= len(stalled_seconds) <= 3, run.timeseries

    # A closed-loop client (one connection, next request when the last answered) on the same
    # stall: it sends nothing while it waits, so it records one slow request among thousands.
    closed = closed_loop_latencies_ms(start_server(*stall).port, seconds=4.0)
    closed_p99 = percentile(closed, 99)
    assert max(closed) >= 800  # it did see the stall...
    assert closed_p99 < lat["p99"] / 5, (closed_p99, lat["p99"], len(closed))  # ...and hid it

    # wrk (Debian 4.1.0) is closed-loop too, but before printing it back-fills its histogram
    # (stats_correct(), using its own mean interval as the "intended" rate), so its --latency
    # p99 does show this stall. We check it saw the stall; its p99 is reported, not compared:
    # the back-fill is a post-hoc guess tied to wrk's own throughput, not a schedule.
    wrk = shutil.which("wrk")
    if wrk is None:
        pytest.skip("wrk is not installed")
    p = subprocess.run([wrk, "-t1", "-c1", "-d4s", "--latency", start_server(*stall).url("/ok")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert parse_wrk_max(p.stdout) >= 800, p.stdout
    print(f"p99: keel-load {lat['p99']} ms (p50 {lat['p50']}), raw closed loop {closed_p99:.3f} ms "
          f"over {len(closed)} requests, "
          f"wrk (back-filled) {parse_wrk_latency(p.stdout)} ms")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def closed_loop_latencies_ms(port: int, seconds: float) -> list[float]:
    """One keep-alive connection, requests back to back; each latency from its own send."""
    request = b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"
    expected = b"HTTP/1.1 200 X\r\nContent-Length: 2\r\n\r\nok"
    latencies = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t0 = time.monotonic()
            s.sendall(request)
            got = b""
            while len(got) < len(expected):
                chunk = s.recv(4096)
                assert chunk, "server closed"
                got += chunk
            latencies.append((time.monotonic() - t0) * 1000)
    return latencies
