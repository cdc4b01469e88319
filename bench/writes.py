#!/usr/bin/python3
"""Helpers for bench/writes.sh (standard library only).

  writes.py prepare DB OUTDIR BASE_URL   restocks DB (every product gets 10^9 units, so stock never
                                          runs out) and writes OUTDIR/orders.toml (from
                                          tools/keel-load/examples/shop_orders.toml, ranges from DB)
                                          and OUTDIR/reads.toml (GET /v1/products/{id}, uniform ids)
  writes.py summary NAME SUMMARY_JSON    one JSON result line from a keel-load summary.json
  writes.py reports BASE_URL STOP_FILE OUT_JSON
                                          keeps one report running until STOP_FILE exists: POST
                                          /v1/reports, poll it until final, POST the next; writes
                                          how many ran and the share of the time one was running
  writes.py table RESULTS.jsonl [JSON_OUT]
"""

from __future__ import annotations

import json
import re
import sqlite3
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ORDERS_EXAMPLE = REPO / "tools" / "keel-load" / "examples" / "shop_orders.toml"
REPORT_BODY = {"type": "sales_by_category", "from": "2000-01-01", "to": "2100-01-01"}


def cmd_prepare(db: str, outdir: str, base: str) -> None:
    con = sqlite3.connect(db, timeout=10.0)
    with con:
        con.execute("UPDATE products SET stock = 1000000000")
    users = con.execute("SELECT MIN(id), MAX(id) FROM users").fetchone()
    products = con.execute("SELECT MIN(id), MAX(id) FROM products").fetchone()
    con.close()
    text = ORDERS_EXAMPLE.read_text()
    text = re.sub(r'^base_url = ".*"$', f'base_url = "{base}"', text, flags=re.M)
    text = re.sub(r"(\[vars\.user\]\ndist = \"uniform\"\nlo = )\d+(\nhi = )\d+",
                  rf"\g<1>{users[0]}\g<2>{users[1]}", text)
    text = re.sub(r"(\[vars\.product\]\ndist = \"uniform\"\nlo = )\d+(\nhi = )\d+",
                  rf"\g<1>{products[0]}\g<2>{products[1]}", text)
    out = Path(outdir)
    (out / "orders.toml").write_text(text)
    (out / "reads.toml").write_text(f'''base_url = "{base}"
[headers]
Accept = "application/json"
[vars.id]
dist = "uniform"
lo = {products[0]}
hi = {products[1]}
[[requests]]
name = "product_read"
path = "/v1/products/{{id}}"
''')
    print(json.dumps({"users": users[1], "products": products[1]}))


def cmd_summary(name: str, path: str) -> None:
    s = json.loads(Path(path).read_text())
    totals = s.get("totals", {})
    lat = s.get("latency_ms", {})
    settings = s.get("settings", {})
    duration = settings.get("duration_s") or settings.get("duration") or None
    out = {
        "name": name,
        "rate": settings.get("rate"),
        "responses": totals.get("responses"),
        "ok": totals.get("ok"),
        "http_4xx": totals.get("http_4xx"),
        "http_5xx": totals.get("http_5xx"),
        "errors": totals.get("errors"),
        "late": totals.get("late"),
        "statuses": totals.get("status"),
        "p50_ms": lat.get("p50"),
        "p99_ms": lat.get("p99"),
        "max_ms": lat.get("max"),
        "duration": duration,
    }
    ramp = s.get("ramp")
    if ramp:
        out["capacity"] = ramp.get("capacity") or ramp.get("capacity_rps")
        out["ramp"] = ramp
    print(json.dumps(out))


def http_json(method: str, url: str, body=None, timeout: float = 5.0):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, None, dict(e.headers)


def cmd_reports(base: str, stop_file: str, out_json: str) -> None:
    started = time.monotonic()
    running_s = 0.0
    ran = []
    error = None
    while not Path(stop_file).exists():
        status, body, headers = http_json("POST", f"{base}/v1/reports", REPORT_BODY)
        if status != 202:
            error = f"POST /v1/reports answered {status}"
            break
        t0 = time.monotonic()
        location = headers.get("Location") or headers.get("location")
        final = None
        while not Path(stop_file).exists():
            status, view, _ = http_json("GET", f"{base}{location}")
            if status == 200 and view and view.get("status") in ("succeeded", "failed"):
                final = view["status"]
                break
            time.sleep(0.5)  # rare: this client shares the load generator's CPU (see writes.sh)
        running_s += time.monotonic() - t0
        ran.append(final or "unfinished")
    total = time.monotonic() - started
    Path(out_json).write_text(json.dumps({
        "reports": ran, "running_share": round(running_s / total, 3) if total > 0 else 0,
        "error": error}))


def fmt(v, unit="") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.2f}{unit}"
    return f"{v}{unit}"


def cmd_table(results: str, json_out: str | None = None) -> None:
    rows = [json.loads(line) for line in Path(results).read_text().splitlines() if line.strip()]
    by = {r["name"]: r for r in rows}
    print(f"{'run':34} {'rate/s':>8} {'responses':>9} {'non-2xx':>8} {'errors':>6} "
          f"{'p50 ms':>8} {'p99 ms':>8}")
    for r in rows:
        if r["name"].startswith("_"):
            continue
        non2xx = (r.get("http_4xx") or 0) + (r.get("http_5xx") or 0)
        print(f"{r['name']:34} {fmt(r.get('rate')):>8} {fmt(r.get('responses')):>9} "
              f"{non2xx:>8} {fmt(r.get('errors')):>6} {fmt(r.get('p50_ms')):>8} "
              f"{fmt(r.get('p99_ms')):>8}")
    cap = by.get("orders capacity (ramp)", {}).get("capacity")
    print()
    print(f"order creation capacity: {fmt(cap)} req/s (last ramp step meeting the SLO)")
    alone = [r["p99_ms"] for r in rows if r["name"].startswith("reads alone") and r.get("p99_ms")]
    busy = [r["p99_ms"] for r in rows
            if r["name"].startswith("reads + report job") and r.get("p99_ms")]
    loops = [r for r in rows if r["name"].startswith("_report_loop")]
    summary = {"name": "_reads_summary"}
    if alone and busy:
        m_alone, m_busy = statistics.median(alone), statistics.median(busy)
        change = (m_busy - m_alone) / m_alone * 100.0
        verdict = "OK" if change <= 20.0 else "OVER the 20 % goal"
        ran = sum(len(r.get("reports", [])) for r in loops)
        share = statistics.median([r.get("running_share", 0) for r in loops]) if loops else 0
        print(f"reads p99, median of {len(alone)} interleaved round(s): {m_busy:.2f} ms with a "
              f"report job running vs {m_alone:.2f} ms alone ({change:+.1f} %, goal <= +20 %: "
              f"{verdict}); per round alone {', '.join(f'{v:.2f}' for v in alone)}, with a "
              f"report {', '.join(f'{v:.2f}' for v in busy)}; reports run: {ran}, a report was "
              f"running {100 * share:.0f} % of each run (median)")
        summary.update({"p99_ms_alone_median": m_alone, "p99_ms_report_median": m_busy,
                        "change_percent": round(change, 1), "met": change <= 20.0})
    rows.append(summary)
    for r in rows:
        codes = {k: v for k, v in (r.get("statuses") or {}).items() if not k.startswith("2")}
        if codes and not r["name"].startswith("_"):
            print(f"non-2xx statuses in '{r['name']}': {codes}")
    for rep in loops:
        if rep.get("error"):
            print(f"report loop {rep['name']}: {rep['error']} (that 'with report' run had no "
                  f"report job)")
    if json_out:
        Path(json_out).write_text(json.dumps(rows, indent=2))


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "prepare":
        cmd_prepare(*args)
    elif cmd == "summary":
        cmd_summary(*args)
    elif cmd == "reports":
        cmd_reports(*args)
    elif cmd == "table":
        cmd_table(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
