"""Process helpers shared by every end-to-end suite (tests/e2e*): locating the binaries CTest
passes in the environment, free loopback ports, KEEL_<SECTION>__<KEY> config overrides, waiting
for GET /readyz, and stopping a process by PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from typing import Callable

import httpx
import pytest


def binary(var: str) -> str:
    """The executable named by environment variable `var` (set by CTest); skip when unset."""
    path = os.environ.get(var)
    if not path:
        pytest.skip(f"{var} is not set: run through CTest (ctest -L e2e) or export {var}=<binary>")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.fail(f"{var}={path!r} is not an executable file")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_env(overrides: dict) -> dict:
    """{"server__header_timeout": "500ms"} or {"KEEL_DB__READERS": 1} -> KEEL_* variables."""
    env = {}
    for key, value in overrides.items():
        name = key.upper()
        if not name.startswith("KEEL_"):
            name = "KEEL_" + name
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[name] = str(value)
    return env


def clean_env() -> dict:
    """The environment without any KEEL_<SECTION>__KEY override (or KEEL_CONFIG) leaking in."""
    return {k: v for k, v in os.environ.items()
            if not (k.startswith("KEEL_") and "__" in k) and k != "KEEL_CONFIG"}


def wait_ready(proc: subprocess.Popen, url: str, describe: Callable[[], str],
               timeout: float = 10.0) -> None:
    """Polls `url` (a /readyz) until it answers 200. Raises with describe()'s text (command and
    output) when the process exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with status {proc.returncode} before becoming "
                               f"ready\n{describe()}")
        try:
            r = httpx.get(url, timeout=1.0)
            if r.status_code == 200:
                return
            last = f"status {r.status_code}"
        except httpx.HTTPError as e:  # not listening yet
            last = repr(e)
        time.sleep(0.05)
    raise RuntimeError(f"not ready after {timeout}s (last: {last})\n{describe()}")


def stop_process(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM by PID, then SIGKILL when it has not exited after `grace` seconds."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=grace)
