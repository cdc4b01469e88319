"""Failures are counted by kind, and an unreachable target is reported at once."""

from __future__ import annotations

from conftest import free_port


def test_unreachable_target_exits_1(keel_load):
    run = keel_load(f"http://127.0.0.1:{free_port()}/", "-d", "2s", check=False)
    assert run.returncode == 1
    assert "cannot connect" in run.stderr


def test_timeouts_count_from_the_scheduled_time(start_server, keel_load):
    server = start_server()
    run = keel_load(server.url("/delay?ms=2000"), "-r", "20", "-d", "2s", "-c", "4",
                    "--timeout", "300ms")
    t = run.summary["totals"]
    assert t["errors_by_kind"]["timeout"] == 40
    assert t["responses"] == 0
    assert run.summary["elapsed_s"] < 5  # the drain ends with the last timeout


def test_reset_and_parse_errors(start_server, keel_load):
    server = start_server()
    run = keel_load(server.url("/reset"), "-r", "50", "-d", "1s", "-c", "2")
    assert run.summary["totals"]["errors_by_kind"]["reset"] == 50
    run = keel_load(server.url("/garbage"), "-r", "50", "-d", "1s", "-c", "2")
    assert run.summary["totals"]["errors_by_kind"]["parse"] == 50


def test_extra_connections_when_all_are_busy(start_server, keel_load):
    # 100 req/s x 100 ms needs ~10 connections; 2 are opened at start, up to 24 on demand.
    server = start_server()
    run = keel_load(server.url("/delay?ms=100"), "-r", "100", "-d", "2s", "-c", "2",
                    "--max-connections", "24")
    s = run.summary
    assert s["totals"]["responses"] == 200
    assert 6 <= s["connections"]["extra"] <= 22
    assert s["totals"]["late"] >= s["connections"]["extra"]
    assert s["latency_ms"]["p50"] < 150  # queueing stopped once the extras were open
