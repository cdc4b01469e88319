"""End-to-end fixtures for keel-load: the real binary against real servers on 127.0.0.1.

Binaries come from the environment (set by CTest, see tests/CMakeLists.txt):
  KEEL_LOAD  path of tools/keel-load (keel-load)
  KEEL_ECHO  path of the test server keel-echo (GET /delay?ms=N); its tests skip when unset
The other servers are load_server.py (asyncio, raw HTTP/1.1), one process per test.

Every process is started on a free port, waited for (max 10 s), bounded by a timeout, and
stopped by PID. Runs are short (2-6 s) and assertions generous: the machine is shared and noisy.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from keel_proc import binary, free_port  # noqa: E402,F401

HERE = Path(__file__).resolve().parent
READY_TIMEOUT = 10.0




def wait_port(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Backend:
    port: int
    proc: subprocess.Popen
    log: Path | None

    def url(self, path: str = "/ok") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self) -> list[dict]:
        assert self.log is not None
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


@pytest.fixture
def start_server(tmp_path):
    """start_server(*args, log=False) -> Backend running load_server.py with those options."""
    started: list[subprocess.Popen] = []

    def start(*args: str, log: bool = False) -> Backend:
        port = free_port()
        log_path = tmp_path / f"requests-{port}.jsonl" if log else None
        cmd = [sys.executable, str(HERE / "load_server.py"), "--port", str(port), *args]
        if log_path:
            cmd += ["--log", str(log_path)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                stderr=open(tmp_path / f"server-{port}.err", "w"))
        started.append(proc)
        wait_port(port, proc, "load_server.py")
        return Backend(port, proc, log_path)

    yield start
    for proc in started:
        stop(proc)


@pytest.fixture
def echo_server(tmp_path):
    """keel-echo (GET /delay?ms=N) on a free port."""
    path = binary("KEEL_ECHO")
    port = free_port()
    proc = subprocess.Popen([path, "--listen", f"127.0.0.1:{port}", "--threads", "1",
                             "--set", "log.access=off"],
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "echo.err", "w"))
    try:
        wait_port(port, proc, "keel-echo")
        yield Backend(port, proc, None)
    finally:
        stop(proc)


@dataclass
class LoadRun:
    returncode: int
    stdout: str
    stderr: str
    out: Path

    @property
    def summary(self) -> dict:
        return json.loads((self.out / "summary.json").read_text())

    @property
    def timeseries(self) -> list[dict]:
        return json.loads((self.out / "timeseries.json").read_text())

    def csv_rows(self) -> list[dict]:
        with open(self.out / "timeseries.csv", newline="") as f:
            return list(csv.DictReader(f))


@pytest.fixture
def keel_load(tmp_path):
    """keel_load(*args, timeout=60) -> LoadRun; always writes its report to a fresh --out dir."""
    path = binary("KEEL_LOAD")
    runs = 0

    def run(*args: str, timeout: float = 60, check: bool = True) -> LoadRun:
        nonlocal runs
        runs += 1
        out = tmp_path / f"run{runs}"
        cmd = [path, *args, "--out", str(out), "--quiet"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check:
            assert p.returncode == 0, f"{cmd}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        return LoadRun(p.returncode, p.stdout, p.stderr, out)

    return run


def parse_wrk_latency(text: str, percentile: str = "99%") -> float:
    """The latency at `percentile` in ms from `wrk --latency` output ("99%  1.23ms")."""
    m = re.search(rf"^\s*{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    assert m, f"no {percentile} line in wrk output:\n{text}"
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]


def parse_wrk_max(text: str) -> float:
    """The max latency in ms from wrk's "Latency  avg  stdev  max  +/-" line."""
    m = re.search(r"^\s*Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", text, re.M)
    assert m, f"no Latency line in wrk output:\n{text}"
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
