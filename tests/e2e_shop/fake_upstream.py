"""A real tools/fake-upstream process standing in for the shop's third-party providers
(recommendations, payment) in e2e tests: free port, /readyz wait, control and stats, stop by PID.

The binary comes from KEEL_FAKE_UPSTREAM (set by CTest for e2e_shop); unset → the test is skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pylib"))

from keel_proc import clean_env, free_port, stop_process, wait_ready  # noqa: E402

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
        wait_ready(self.proc, self.base + "/readyz", lambda: (
            "fake-upstream: " + self.out_path.read_text(errors="replace")[-2000:]), READY_TIMEOUT)

    def control(self, **doc) -> None:
        r = httpx.post(self.base + "/_control", json=doc, timeout=5.0)
        assert r.status_code == 200, r.text

    def requests(self, route: str) -> int:
        return httpx.get(self.base + "/_stats", timeout=5.0).json()["routes"][route]["requests"]

    def stop(self) -> None:
        stop_process(self.proc)
        self._out.close()
