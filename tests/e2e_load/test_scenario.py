"""Scenario files: the weighted mix, placeholders, headers and bodies reach the server."""

from __future__ import annotations

import collections
import json
import uuid

SCENARIO = """
base_url = "http://127.0.0.1:{port}/api"
[headers]
Accept = "application/json"

[vars.id]
dist = "zipf"
lo = 1
hi = 1000
s = 1.2

[vars.page]
dist = "uniform"
lo = 1
hi = 5

[[requests]]
name = "read"
weight = 60
path = "/v1/products/{{id}}"

[[requests]]
name = "write"
weight = 30
method = "POST"
path = "/v1/products/{{id}}"
body = '{{"id": {{id}}, "note": {{"seq": {{seq}}}}}}'
[requests.headers]
Content-Type = "application/json"
Idempotency-Key = "{{uuid}}"

[[requests]]
name = "search"
weight = 10
path = "/v1/products?page={{page}}"
"""


def test_mix_placeholders_and_bodies(start_server, keel_load, tmp_path):
    server = start_server(log=True)
    scenario = tmp_path / "mix.toml"
    scenario.write_text(SCENARIO.format(port=server.port))
    run = keel_load("-s", str(scenario), "-r", "500", "-d", "3s", "-c", "8", "--seed", "7")
    reqs = server.requests()
    assert len(reqs) == 1500

    kinds = collections.Counter()
    ids = collections.Counter()
    keys = set()
    for r in reqs:
        assert r["headers"]["host"] == f"127.0.0.1:{server.port}"
        if r["method"] == "POST":
            kinds["write"] += 1
            body = json.loads(r["body"])  # valid JSON: the braces survived
            assert r["target"] == f"/api/v1/products/{body['id']}"  # one draw per request
            assert isinstance(body["note"]["seq"], int)
            assert r["headers"]["content-type"] == "application/json"
            assert r["headers"]["accept"] == "application/json"  # global header
            keys.add(str(uuid.UUID(r["headers"]["idempotency-key"])))
            ids[body["id"]] += 1
        elif r["target"].startswith("/api/v1/products?page="):
            kinds["search"] += 1
            assert 1 <= int(r["target"].rsplit("=", 1)[1]) <= 5
        else:
            kinds["read"] += 1
            ids[int(r["target"].rsplit("/", 1)[1])] += 1
    # 60/30/10 of 1500, loosely.
    assert 800 <= kinds["read"] <= 1000, kinds
    assert 350 <= kinds["write"] <= 550, kinds
    assert 100 <= kinds["search"] <= 200, kinds
    assert len(keys) == kinds["write"]  # a fresh key per request
    # Zipf: id 1 is the most frequent, and the 10 hottest ids take a large share.
    assert ids.most_common(1)[0][0] == 1, ids.most_common(5)
    assert sum(ids[i] for i in range(1, 11)) > 0.4 * sum(ids.values())
    assert min(ids) >= 1 and max(ids) <= 1000

    by_name = {t["name"]: t for t in run.summary["request_types"]}
    assert set(by_name) == {"read", "write", "search"}
    assert by_name["write"]["method"] == "POST"
    assert sum(t["totals"]["responses"] for t in by_name.values()) == 1500
    assert "read" in run.stdout and "search" in run.stdout


def test_scenario_errors_name_the_key(keel_load, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('base_url = "http://127.0.0.1:1"\n[[requests]]\npath = "/items/{idd}"\n')
    run = keel_load("-s", str(bad), "-d", "1s", check=False)
    assert run.returncode == 2
    assert "requests[1].path: unknown placeholder {idd}" in run.stderr
