"""Configuration: defaults, precedence (CLI > env > file > defaults), --print-config, --help,
bad configuration (exit 2 naming key and value), logging options, Server-Timing."""

import re
import socket
import subprocess
import time
import tomllib

import httpx
import pytest

from conftest import binary, clean_env, config_env, free_port, raw

EXES = ["KEEL_HELLO", "KEEL_ECHO"]

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(d) -> float:
    assert isinstance(d, str), f"duration printed as {d!r}, expected a string like '10s'"
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", d):
        assert m.start() == pos, f"unparsable duration {d!r}"
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    assert pos == len(d) and pos > 0, f"unparsable duration {d!r}"
    return total


def run(exe: str, args=(), env: dict | None = None, cwd=None, timeout: float = 5.0):
    e = clean_env()
    e.update(env or {})
    try:
        return subprocess.run([exe, *args], env=e, cwd=cwd, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{exe} {list(args)} did not exit within {timeout}s")


def print_config(exe, args=(), env=None, cwd=None) -> dict:
    p = run(exe, ["--print-config", *args], env=env, cwd=cwd)
    assert p.returncode == 0, f"exit {p.returncode}\nstderr: {p.stderr.decode()}"
    try:
        return tomllib.loads(p.stdout.decode())
    except tomllib.TOMLDecodeError as e:
        pytest.fail(f"--print-config output is not TOML ({e}):\n{p.stdout.decode()}")


# --- --print-config / --help ------------------------------------------------------------------

@pytest.mark.parametrize("var", EXES)
def test_print_config_defaults(var, tmp_path):
    cfg = print_config(binary(var), cwd=tmp_path)
    s, log = cfg["server"], cfg["log"]
    assert s["listen"] == "127.0.0.1:8080"
    assert s["admin_listen"] == ""
    assert s["threads"] == 0
    assert s["max_request_line"] == 8192
    assert s["max_header_bytes"] == 32768
    assert s["max_header_count"] == 100
    assert s["max_body_bytes"] == 1048576
    assert seconds(s["header_timeout"]) == 10
    assert seconds(s["body_timeout"]) == 10
    assert seconds(s["keepalive_timeout"]) == 60
    assert seconds(s["write_timeout"]) == 10
    assert seconds(s["drain_timeout"]) == 10
    assert s["server_timing"] is False
    assert log["level"] == "info"
    assert log["access"] == "on"
    assert log["access_sample_rate"] == pytest.approx(0.01)


def test_print_config_precedence(tmp_path):
    exe = binary("KEEL_ECHO")
    f = tmp_path / "keel.toml"
    f.write_text('[server]\nlisten = "127.0.0.1:1111"\nthreads = 3\nmax_header_count = 50\n'
                 'header_timeout = "2m"\n\n[log]\nlevel = "warn"\n')
    env = config_env({"server__threads": 5, "server__listen": "127.0.0.1:2222",
                      "server__body_timeout": "250ms", "log__level": "error"})
    cfg = print_config(exe, ["--config", str(f)])
    assert (cfg["server"]["listen"], cfg["server"]["threads"]) == ("127.0.0.1:1111", 3)
    assert cfg["log"]["level"] == "warn"
    cfg = print_config(exe, ["--config", str(f)], env=env)
    assert cfg["server"]["listen"] == "127.0.0.1:2222"     # env > file
    assert cfg["server"]["threads"] == 5                   # env > file
    assert cfg["server"]["max_header_count"] == 50         # file > default
    assert seconds(cfg["server"]["header_timeout"]) == 120  # file > default
    assert seconds(cfg["server"]["body_timeout"]) == 0.25   # env > default
    assert cfg["log"]["level"] == "error"
    cfg = print_config(exe, ["--config", str(f), "--listen", "127.0.0.1:3333", "--threads", "7",
                             "--admin-listen", "127.0.0.1:4444"], env=env)
    assert cfg["server"]["listen"] == "127.0.0.1:3333"     # CLI > env
    assert cfg["server"]["threads"] == 7                   # CLI > env
    assert cfg["server"]["admin_listen"] == "127.0.0.1:4444"
    assert cfg["server"]["max_header_count"] == 50


def test_print_config_round_trips(tmp_path):
    exe = binary("KEEL_ECHO")
    env = config_env({"server__max_body_bytes": 4242, "server__write_timeout": "1500ms",
                      "log__access": "sampled", "log__access_sample_rate": "0.5",
                      "server__server_timing": "true"})
    p = run(exe, ["--print-config"], env=env)
    assert p.returncode == 0, p.stderr.decode()
    f = tmp_path / "printed.toml"
    f.write_bytes(p.stdout)
    again = print_config(exe, ["--config", str(f)])
    assert again == tomllib.loads(p.stdout.decode())
    assert again["server"]["max_body_bytes"] == 4242
    assert seconds(again["server"]["write_timeout"]) == 1.5
    assert again["log"]["access"] == "sampled"
    assert again["log"]["access_sample_rate"] == pytest.approx(0.5)
    assert again["server"]["server_timing"] is True


@pytest.mark.parametrize("var", EXES)
def test_help(var):
    p = run(binary(var), ["--help"])
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    for opt in ("--config", "--listen", "--admin-listen", "--threads", "--print-config"):
        assert opt in out, f"--help does not mention {opt}:\n{out}"


# --- bad configuration ------------------------------------------------------------------------

BAD_FILES = [
    ("threads_negative", "[server]\nthreads = -1\n", "server.threads", "-1"),
    ("duration_parsecs", '[server]\nheader_timeout = "10 parsecs"\n', "server.header_timeout",
     "10 parsecs"),
    ("unknown_key", "[server]\ntreads = 2\n", "server.treads", None),
    ("unknown_section", "[bogus]\nx = 1\n", "bogus", None),
    ("wrong_type", '[server]\nmax_header_count = "ten"\n', "server.max_header_count", "ten"),
    ("bad_log_level", '[log]\nlevel = "verbose"\n', "log.level", "verbose"),
    ("bad_access_mode", '[log]\naccess = "sometimes"\n', "log.access", "sometimes"),
]


def expect_exit_2(p, *needles):
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, f"exit status {p.returncode}, expected 2\nstderr: {err}"
    for n in needles:
        assert n in err, f"stderr does not mention {n!r}:\n{err}"
    return err


@pytest.mark.parametrize("name,text,key,value", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_config_file(tmp_path, name, text, key, value):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    p = run(binary("KEEL_ECHO"), ["--config", str(f), "--listen", f"127.0.0.1:{free_port()}"])
    expect_exit_2(p, key, *([value] if value else []))


def test_bad_listen_in_file(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('[server]\nlisten = "nohost"\n')
    expect_exit_2(run(binary("KEEL_ECHO"), ["--config", str(f)]), "server.listen", "nohost")


BAD_ENV = [
    ("threads_abc", {"server__threads": "abc"}, "server.threads", "abc"),
    ("body_negative", {"server__max_body_bytes": "-5"}, "server.max_body_bytes", "-5"),
    ("timeout_unit", {"server__keepalive_timeout": "5 fortnights"}, "server.keepalive_timeout",
     "5 fortnights"),
    ("bool", {"server__server_timing": "maybe"}, "server.server_timing", "maybe"),
    ("rate_over_1", {"log__access_sample_rate": "2"}, "log.access_sample_rate", "2"),
    ("log_level", {"log__level": "verbose"}, "log.level", "verbose"),
    ("listen_port_range", {"server__listen": "127.0.0.1:99999"}, "server.listen",
     "127.0.0.1:99999"),
    ("listen_nohost", {"server__listen": "nohost"}, "server.listen", "nohost"),
]


@pytest.mark.parametrize("name,env,key,value", BAD_ENV, ids=[b[0] for b in BAD_ENV])
def test_bad_config_env(name, env, key, value):
    args = [] if "listen" in key else ["--listen", f"127.0.0.1:{free_port()}"]
    expect_exit_2(run(binary("KEEL_ECHO"), args, env=config_env(env)), key, value)


def test_bad_threads_cli():
    p = run(binary("KEEL_ECHO"), ["--threads", "abc", "--listen", f"127.0.0.1:{free_port()}"])
    err = expect_exit_2(p, "abc")
    assert "server.threads" in err or "--threads" in err, err


def test_unknown_cli_option():
    p = run(binary("KEEL_ECHO"), ["--no-such-option"])
    expect_exit_2(p, "--no-such-option")


def test_missing_config_file(tmp_path):
    path = str(tmp_path / "does-not-exist.toml")
    expect_exit_2(run(binary("KEEL_ECHO"), ["--config", path]), path)


def test_toml_syntax_error_names_file_and_line(tmp_path):
    f = tmp_path / "broken.toml"
    f.write_text('[server]\nthreads = 2\nlisten = "127.0.0.1:1\n')  # unterminated string, line 3
    err = expect_exit_2(run(binary("KEEL_ECHO"), ["--config", str(f)]), str(f))
    assert re.search(r"(line\s*3\b|:3\b)", err), f"line 3 not named:\n{err}"


def test_bad_config_does_not_listen(tmp_path):
    port = free_port()
    p = run(binary("KEEL_ECHO"), ["--listen", f"127.0.0.1:{port}"],
            env=config_env({"server__threads": "abc"}))
    assert p.returncode == 2
    assert p.stdout.decode().count('"listening"') == 0


# --- configuration takes effect ---------------------------------------------------------------

def refused(port: int) -> bool:
    s = socket.socket()
    s.settimeout(1.0)
    try:
        s.connect(("127.0.0.1", port))
        return False
    except ConnectionRefusedError:
        return True
    finally:
        s.close()


def test_listen_precedence_live(tmp_path, server_factory):
    exe = binary("KEEL_ECHO")
    p_file, p_env = free_port(), free_port()
    f = tmp_path / "listen.toml"
    f.write_text(f'[server]\nlisten = "127.0.0.1:{p_file}"\n')
    env = config_env({"server__listen": f"127.0.0.1:{p_env}"})
    cli = server_factory(exe, env=env, args=["--config", str(f)])  # adds --listen <free>
    assert cli.get("/items/new").status_code == 200
    assert refused(p_file) and refused(p_env)
    cli.stop()
    srv = server_factory(exe, env=env, args=["--config", str(f)], listen=False, port=p_env)
    assert srv.get("/items/new").status_code == 200
    assert refused(p_file)
    srv.stop()
    srv = server_factory(exe, args=["--config", str(f)], listen=False, port=p_file)
    assert srv.get("/items/new").status_code == 200


def test_config_file_limits_apply(tmp_path, server_factory):
    f = tmp_path / "limits.toml"
    f.write_text("[server]\nmax_header_count = 5\nmax_body_bytes = 10\n")
    srv = server_factory(binary("KEEL_ECHO"), args=["--config", str(f)])
    fields = b"".join(b"X-H%d: v\r\n" % i for i in range(5))
    status, _, _, closed = raw(srv, b"GET /items/new HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n",
                               read_timeout=2.0)
    assert (status, closed) == (431, True)
    status, _, _, closed = raw(srv, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
                               b"\r\nhello world", read_timeout=2.0)
    assert (status, closed) == (413, True)


@pytest.mark.parametrize("threads", ["1", "2"])
def test_threads_setting_serves(server_factory, threads):
    srv = server_factory(binary("KEEL_ECHO"), args=["--threads", threads])
    with httpx.Client(timeout=5) as c:
        for _ in range(10):
            assert c.get(srv.url("/items/new")).text == "static"


# --- logging ---------------------------------------------------------------------------------

def test_log_lines_are_json_with_ts_level_msg(echo_server):
    srv = echo_server()
    httpx.get(srv.url("/items/new"), timeout=5)
    httpx.get(srv.url("/nope"), timeout=5)
    assert srv.wait_log(lambda l: l.get("msg") == "request" and l.get("path") == "/nope")
    for line in srv.logs():
        assert isinstance(line.get("ts"), str) and line["ts"], line
        assert line.get("level") in ("debug", "info", "warn", "error"), line
        assert isinstance(line.get("msg"), str) and line["msg"], line


def test_listening_log_line(echo_server):
    srv = echo_server()
    line = srv.wait_log(lambda l: l.get("msg") == "listening")
    assert line is not None, srv.stdout()
    assert line["address"] == f"127.0.0.1:{srv.port}"
    assert len([l for l in srv.logs() if l.get("msg") == "listening"]) == 1


def test_log_level_warn_suppresses_info(echo_server):
    srv = echo_server(log__level="warn")
    for _ in range(3):
        httpx.get(srv.url("/items/new"), timeout=5)
    time.sleep(0.5)
    noisy = [l for l in srv.logs() if l.get("level") in ("debug", "info")]
    assert noisy == [], noisy[:3]


def test_access_log_off(echo_server):
    srv = echo_server(log__access="off")
    for _ in range(5):
        httpx.get(srv.url("/items/new"), timeout=5)
    time.sleep(0.5)
    assert srv.wait_log(lambda l: l.get("msg") == "listening", timeout=0.1)
    assert [l for l in srv.logs() if l.get("msg") == "request"] == []


def test_access_log_on_logs_every_request(echo_server):
    srv = echo_server()
    with httpx.Client(timeout=5) as c:
        for i in range(10):
            c.get(srv.url(f"/items/{i}"))
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        paths = [l.get("path") for l in srv.logs() if l.get("msg") == "request"]
        if len([p for p in paths if p and p.startswith("/items/")]) >= 10:
            break
        time.sleep(0.05)
    assert sorted(p for p in paths if p and p.startswith("/items/")) == \
        sorted(f"/items/{i}" for i in range(10))


@pytest.mark.parametrize("rate,expected", [("0", 0), ("1", 20)])
def test_access_log_sampled(echo_server, rate, expected):
    srv = echo_server(log__access="sampled", log__access_sample_rate=rate)
    with httpx.Client(timeout=5) as c:
        for _ in range(20):
            assert c.get(srv.url("/items/new")).status_code == 200
    time.sleep(0.5)
    n = len([l for l in srv.logs() if l.get("msg") == "request" and l.get("path") == "/items/new"])
    assert n == expected


# --- Server-Timing -----------------------------------------------------------------------------

def test_server_timing_off_by_default(echo):
    r = httpx.get(echo.url("/items/new"), timeout=5)
    assert "server-timing" not in r.headers


def test_server_timing_on(echo_server):
    srv = echo_server(server__server_timing="true")
    for path in ("/items/new", "/delay?ms=50"):
        r = httpx.get(srv.url(path), timeout=5)
        assert r.status_code == 200
        st = r.headers.get("server-timing")
        assert st is not None, f"no Server-Timing on {path}"
        assert "app;dur=" in st and "total;dur=" in st, st
        durs = {m.group(1): float(m.group(2))
                for m in re.finditer(r"(\w+);dur=([0-9.]+)", st)}
        assert durs["total"] >= durs["app"] >= 0, st
        if path.startswith("/delay"):
            assert durs["app"] >= 45, f"app duration {durs['app']} ms for a 50 ms handler"
