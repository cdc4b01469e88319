"""ramp finds a known capacity, spike reports before/during/after, soak samples RSS, Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import time

from conftest import binary


def test_ramp_finds_the_capacity(start_server, keel_load):
    # Requests beyond 150 in the last second take 200 ms: the server's capacity is 150 req/s.
    server = start_server("--ramp-limit", "150", "--ramp-slow-ms", "200")
    run = keel_load(server.url("/ramp"), "-p", "ramp", "-r", "50", "--ramp-step", "100",
                    "--ramp-interval", "1s", "--slo-p99", "80ms", "-d", "10s", "-c", "64",
                    timeout=60)
    s = run.summary
    assert s["stop_reason"] == "slo_broken"
    assert s["ramp"]["capacity_rps"] == 100  # steps: 50, 100 pass; 200 breaks
    assert s["ramp"]["broken_at"] == "step 3"
    steps = [p for p in s["phases"] if p["complete"]]
    assert [p["slo_pass"] for p in steps[:3]] == [True, True, False]
    assert s["elapsed_s"] < 8  # stopped well before --duration
    assert "capacity 100.0 req/s" in run.stdout
    print(f"ramp: capacity {s['ramp']['capacity_rps']} req/s, stopped after {s['elapsed_s']:.1f} s")


def test_spike_reports_phases_and_recovery(start_server, keel_load):
    server = start_server()
    run = keel_load(server.url("/ok"), "-p", "spike", "-r", "50", "--spike-factor", "4",
                    "-d", "6s", "-c", "8")
    s = run.summary
    assert [p["label"] for p in s["phases"]] == ["before", "spike", "after"]
    assert [p["requests"] for p in s["phases"]] == [100, 400, 100]
    for key in ("p99_before_ms", "p99_during_ms", "p99_after_ms", "recovery_threshold_ms"):
        assert s["spike"][key] >= 0
    assert "recovery_s" in s["spike"]
    assert "spike: p99 before" in run.stdout


def test_soak_samples_rss_of_a_pid(start_server, keel_load):
    server = start_server()
    run = keel_load(server.url("/ok"), "-p", "soak", "-r", "100", "-d", "3s", "-c", "4",
                    "--soak-window", "1s", "--pid", str(server.proc.pid))
    s = run.summary
    assert s["soak"]["rss_first_bytes"] > 1_000_000  # a Python process
    assert s["soak"]["rss_slope_bytes_per_hour"] is not None
    assert len(s["phases"]) == 3 and s["soak"]["p99_first_window_ms"] is not None
    rows = run.csv_rows()
    assert "rss_bytes" in rows[0] and rows[0]["rss_bytes"] != ""


def test_ctrl_c_stops_and_still_writes_the_report(start_server, tmp_path):
    server = start_server()
    out = tmp_path / "interrupted"
    proc = subprocess.Popen([binary("KEEL_LOAD"), server.url("/ok"), "-r", "100", "-d", "60s",
                             "-c", "4", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 0, stderr
    assert "interrupted" in stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["stop_reason"] == "interrupted"
    assert 150 <= s["totals"]["responses"] <= 400
    assert (out / "report.html").exists()
    # The progress line ran while it did.
    assert "rate" in stderr and "p99" in stderr


def test_help_documents_everything(keel_load):
    p = subprocess.run([binary("KEEL_LOAD"), "--help"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0
    for option in ("--scenario", "--profile", "--rate", "--duration", "--connections",
                   "--max-connections", "--threads", "--timeout", "--ramp-step",
                   "--ramp-interval", "--slo-p99", "--slo-errors", "--spike-factor",
                   "--spike-start", "--spike-duration", "--soak-window", "--pid", "--out",
                   "--quiet", "--seed", "loopback"):
        assert option in p.stdout, option
    bad = subprocess.run([binary("KEEL_LOAD"), "http://127.0.0.1:1/", "-r", "-5"],
                         capture_output=True, text=True, timeout=10)
    assert bad.returncode == 2
