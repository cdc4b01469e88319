"""--out writes summary.json, timeseries.csv/json and a self-contained report.html."""

from __future__ import annotations

import re


def test_report_files(start_server, keel_load):
    server = start_server()
    run = keel_load(server.url("/chunked"), "-r", "300", "-d", "3s", "-c", "4")
    s = run.summary
    for key in ("target", "settings", "totals", "latency_ms", "send_delay_ms", "connections",
                "request_types", "phases", "stop_reason", "elapsed_s"):
        assert key in s
    assert s["stop_reason"] == "completed"
    assert s["totals"]["status"] == {"200": 900}  # chunked bodies parsed
    assert s["connections"]["opened"] == 4
    for k in ("count", "p50", "p90", "p99", "p99_9", "max"):
        assert k in s["latency_ms"]

    rows = run.csv_rows()
    assert len(rows) >= 3
    for col in ("second", "scheduled", "sent", "completed", "ok", "status_200", "errors_timeout",
                "in_flight", "p50_ms", "p99_ms"):
        assert col in rows[0]
    assert sum(int(r["scheduled"]) for r in rows) == 900
    assert sum(int(r["completed"]) for r in rows) == 900
    assert len(run.timeseries) == len(rows)
    assert run.timeseries[0]["second"] == 0

    html = (run.out / "report.html").read_text()
    assert html.count("<svg") >= 2 and "<polyline" in html
    assert "Latency" in html and "Throughput" in html
    # Self-contained: nothing is fetched when the file is opened.
    assert not re.search(r"<script|<link|<img|<iframe|\ssrc=|\shref=|url\(", html)


def test_statuses_closes_and_http_errors(start_server, keel_load):
    server = start_server()
    run = keel_load(server.url("/status/503"), "-r", "200", "-d", "2s", "-c", "2")
    t = run.summary["totals"]
    assert t["status"] == {"503": 400} and t["http_5xx"] == 400 and t["ok"] == 0
    run = keel_load(server.url("/close"), "-r", "100", "-d", "2s", "-c", "2")
    t = run.summary["totals"]
    assert t["status"] == {"200": 200} and t["errors"] == 0
    assert run.summary["connections"]["opened"] >= 150  # a new connection per request


def test_threads_share_the_timeline(start_server, keel_load):
    server = start_server()
    run = keel_load(server.url("/ok"), "-r", "400", "-d", "2s", "-c", "4", "-t", "2")
    s = run.summary
    assert s["totals"]["scheduled"] == 800 and s["totals"]["responses"] == 800
    assert s["connections"]["opened"] == 4
    assert [r["scheduled"] for r in run.timeseries[:2]] == [400, 400]
