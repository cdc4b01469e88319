"""A real tools/fake-upstream process standing in for the shop's third-party providers
(recommendations, payment) in e2e tests: free port, /readyz wait, control and stats, stop by PID.

The binary comes from KEEL_FAKE_UPSTREAM (set by CTest for e2e_shop); unset → the test is skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pylib"))

from keel_proc import clean_env, free_port  # noqa: E402

READY_TIMEOUT = 10.0


def fake_binary() -> str:
    path = os.environ.get("KEEL_FAKE_UPSTREAM")
    if not path:
        pytest.skip("KEEL_FAKE_UPSTREAM is not set: run through CTest or export "
                    "KEEL_FAKE_UPSTREAM=build/release/tools/fake-upstream/fake-upstream")
    if not os.access(path, os.X_OK):
        pytest.fail(f"KEEL_FAKE_UPSTREAM={path!r} is not executable")
    return path


class FakeUpstream:
    def __init__(self, workdir: Path, name: str, seed: int = 1):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out_path = workdir / f"{name}.stdout.log"
        self._out = open(self.out_path, "wb")
        self.proc = subprocess.Popen(
            [fake_binary(), "--listen", f"127.0.0.1:{self.port}", "--set", f"fake.seed={seed}",
             "--set", "log.access=off"],
            stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=clean_env())
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"fake-upstream exited {self.proc.returncode}: "
                                   f"{self.out_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(self.base + "/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("fake-upstream not ready")

    def control(self, **doc) -> None:
        r = httpx.post(self.base + "/_control", json=doc, timeout=5.0)
        assert r.status_code == 200, r.text

    def requests(self, route: str) -> int:
        return httpx.get(self.base + "/_stats", timeout=5.0).json()["routes"][route]["requests"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._out.close()
