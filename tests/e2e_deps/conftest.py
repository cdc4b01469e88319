"""End-to-end fixtures for calling dependencies: a real fake-upstream process (the third party)
and a real keel-deps-demo process calling it through keel::resilience::DependencyClient.

Binaries come from the environment (set by CTest, see tests/CMakeLists.txt):
  KEEL_FAKE_UPSTREAM  tools/fake-upstream (fake-upstream)
  KEEL_DEPS_DEMO      tests/support (keel-deps-demo)
Unset: the tests are skipped (handy by hand). Every socket operation has a timeout; processes are
started on free 127.0.0.1 ports, awaited with GET /readyz and stopped by PID.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from keel_proc import binary, clean_env, free_port, stop_process, wait_ready  # noqa: E402

SOCK_TIMEOUT = 5.0
READY_TIMEOUT = 10.0


class Proc:
    """One server process on a free port; stopped by PID."""

    def __init__(self, exe: str, workdir: Path, name: str, sets: dict[str, object]):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = [exe, "--listen", f"127.0.0.1:{self.port}"]
        for key, value in sets.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            args += ["--set", f"{key}={value}"]
        env = clean_env()
        self.out_path = workdir / f"{name}.stdout.jsonl"
        self.err_path = workdir / f"{name}.stderr.txt"
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._out, stderr=self._err, env=env,
                                     stdin=subprocess.DEVNULL)
        self.args = args
        # One keep-alive client: a new httpx client per call costs ~50 ms on a loaded machine,
        # which is enough to make the timing-sensitive breaker tests drift.
        self.client = httpx.Client(base_url=self.base)

    def wait_ready(self) -> None:
        wait_ready(self.proc, self.base + "/readyz",
                   lambda: f"{self.args}\n{self.err_path.read_text(errors='replace')}",
                   READY_TIMEOUT)

    def stop(self) -> None:
        stop_process(self.proc)
        self.client.close()
        self._out.close()
        self._err.close()

    def logs(self) -> str:
        self._out.flush()
        return self.out_path.read_text(errors="replace")

    # -- HTTP -----------------------------------------------------------------------------------
    def get(self, path: str, **kw) -> httpx.Response:
        kw.setdefault("timeout", SOCK_TIMEOUT)
        return self.client.get(path, **kw)

    def post(self, path: str, **kw) -> httpx.Response:
        kw.setdefault("timeout", SOCK_TIMEOUT)
        return self.client.post(path, **kw)

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of `name` whose labels include `labels` (0 when none)."""
        text = self.get("/metrics").text
        total = 0.0
        for line in text.splitlines():
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
            if not m or m.group(1) != name:
                continue
            found = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                total += float(m.group(3))
        return total


class Fake(Proc):
    """fake-upstream with its control and stats endpoints."""

    def control(self, **doc) -> None:
        r = self.post("/_control", json=doc)
        assert r.status_code == 200, r.text

    def requests(self, route: str) -> int:
        return self.get("/_stats").json()["routes"][route]["requests"]

    def stats(self, route: str) -> dict:
        return self.get("/_stats").json()["routes"][route]


@pytest.fixture
def procs(tmp_path) -> Iterator[list]:
    started: list[Proc] = []
    yield started
    for p in started:
        p.stop()


@pytest.fixture
def fake_factory(procs, tmp_path):
    exe = binary("KEEL_FAKE_UPSTREAM")

    def make(**sets) -> Fake:
        f = Fake(exe, tmp_path, f"fake{len(procs)}", sets)
        procs.append(f)
        f.wait_ready()
        return f

    return make


@pytest.fixture
def fake(fake_factory) -> Fake:
    return fake_factory()


@pytest.fixture
def demo_factory(procs, tmp_path):
    """demo_factory(fake, **{"deps.recs.timeout": "200ms", ...}) -> keel-deps-demo whose every
    dependency points at `fake` (override deps.<name>.url to change that)."""
    exe = binary("KEEL_DEPS_DEMO")

    def make(fake: Fake, **sets) -> Proc:
        config = {f"deps.{d}.url": fake.base for d in ("recs", "pay", "flaky", "slow", "hedged")}
        config.update(sets)
        d = Proc(exe, tmp_path, f"demo{len(procs)}", config)
        procs.append(d)
        d.wait_ready()
        return d

    return make
