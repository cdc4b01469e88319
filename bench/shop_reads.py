#!/usr/bin/python3
"""Helpers for bench/shop_reads.sh (standard library only).

  shop_reads.py urls DB OUTDIR BASE_URL [N]   writes OUTDIR/{by_id,list,orders}.{paths,urls}: N random
                                               request paths per endpoint from the SQLite file (paths
                                               for wrk's Lua script, URLs for h2load -i)
  shop_reads.py latency LOG DURATION_S TARGET_RPS
                                               per-request latencies from an h2load --log-file:
                                               prints one JSON object (count, rps, p50/p90/p99/p99.9 ms)
  shop_reads.py record NAME CAPACITY TARGET CPU0_S CPU1_S LOG DURATION_S
                                               one JSON result line (latency as above plus server CPU
                                               per request); a summary goes to stderr
  shop_reads.py table RESULTS.jsonl [JSON_OUT] prints the result table (and writes JSON_OUT)
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import sys
from pathlib import Path
from urllib.parse import quote

GOALS_P99_MS = {"by_id": 5.0, "list": 20.0, "orders": 20.0}
LABELS = {
    "by_id": "GET /v1/products/{id}",
    "list": "GET /v1/products?limit=20&category=…",
    "orders": "GET /v1/users/{id}/orders?limit=20",
}


def cmd_urls(db: str, outdir: str, base: str, n: int = 10000) -> None:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5.0)
    product_ids = [r[0] for r in con.execute("SELECT id FROM products")]
    categories = [r[0] for r in con.execute("SELECT DISTINCT category FROM products")]
    user_ids = [r[0] for r in con.execute("SELECT id FROM users")]
    con.close()
    if not product_ids or not categories or not user_ids:
        sys.exit(f"{db}: no products, categories or users")
    rng = random.Random(20261123)
    paths = {
        "by_id": [f"/v1/products/{rng.choice(product_ids)}" for _ in range(n)],
        "list": [f"/v1/products?limit=20&category={quote(rng.choice(categories), safe='')}" for _ in range(n)],
        "orders": [f"/v1/users/{rng.choice(user_ids)}/orders?limit=20" for _ in range(n)],
    }
    out = Path(outdir)
    for name, ps in paths.items():
        (out / f"{name}.paths").write_text("\n".join(ps) + "\n")
        (out / f"{name}.urls").write_text("\n".join(base + p for p in ps) + "\n")
    print(json.dumps({"products": len(product_ids), "categories": len(categories),
                      "users": len(user_ids)}))


def percentile(sorted_vals: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of an ascending list."""
    if not sorted_vals:
        return None
    k = max(1, math.ceil(p / 100.0 * len(sorted_vals)))
    return sorted_vals[min(k, len(sorted_vals)) - 1]


def latency(log: str, duration: float, target: float) -> dict:
    lat_ms, ok, non2xx, failed = [], 0, 0, 0
    for line in Path(log).read_text().splitlines():
        cols = line.split("\t")
        if len(cols) < 3:
            continue
        status, micros = int(cols[1]), int(cols[2])
        if status < 0:
            failed += 1
            continue
        if 200 <= status < 300:
            ok += 1
        else:
            non2xx += 1
        lat_ms.append(micros / 1000.0)
    lat_ms.sort()
    count = len(lat_ms)
    rps = count / duration if duration > 0 else 0.0
    return {
        "count": count, "ok": ok, "non2xx": non2xx, "failed": failed,
        "rps": round(rps, 1), "target_rps": round(target, 1),
        "saturated": rps < 0.95 * target,
        "p50_ms": percentile(lat_ms, 50), "p90_ms": percentile(lat_ms, 90),
        "p99_ms": percentile(lat_ms, 99), "p999_ms": percentile(lat_ms, 99.9),
        "max_ms": lat_ms[-1] if lat_ms else None,
    }


def cmd_latency(log: str, duration: float, target: float) -> None:
    print(json.dumps(latency(log, duration, target)))


def cmd_record(name, capacity, target, cpu0, cpu1, log, duration) -> None:
    lat = latency(log, float(duration), float(target))
    cpu = (float(cpu1) - float(cpu0)) * 1e6 / lat["count"] if lat["count"] else None
    rec = {"name": name, "capacity_rps": float(capacity), "target_rps": float(target),
           "cpu_us_per_req": None if cpu is None else round(cpu, 1), "fixed": lat}
    print(json.dumps(rec))
    print(f"[{name}] achieved {lat['rps']} req/s of {lat['target_rps']} "
          f"({'SATURATED, ' if lat['saturated'] else ''}{lat['non2xx']} non-2xx, {lat['failed']} failed), "
          f"p50 {fmt(lat['p50_ms'])} ms, p99 {fmt(lat['p99_ms'])} ms, "
          f"server CPU {fmt(rec['cpu_us_per_req'], 1)} us/request", file=sys.stderr)


def fmt(v, digits=2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def cmd_table(results: str, json_out: str | None = None) -> None:
    recs = [json.loads(l) for l in Path(results).read_text().splitlines() if l.strip()]
    head = ["endpoint", "capacity req/s", "fixed rate req/s", "achieved req/s", "p50 ms", "p99 ms",
            "p99 goal", "cpu us/req", "verdict"]
    rows = []
    for r in recs:
        lat = r.get("fixed", {})
        goal = GOALS_P99_MS[r["name"]]
        p99 = lat.get("p99_ms")
        if lat.get("saturated"):
            verdict = "saturated*"
        elif p99 is None:
            verdict = "no data"
        else:
            verdict = "ok" if p99 <= goal else "MISSED"
        mark = "*" if lat.get("saturated") else ""
        rows.append([LABELS[r["name"]], fmt(r.get("capacity_rps"), 0), fmt(r.get("target_rps"), 0),
                     fmt(lat.get("rps"), 0) + mark, fmt(lat.get("p50_ms")) + mark,
                     fmt(p99) + mark, f"<= {goal:g} ms", fmt(r.get("cpu_us_per_req"), 1), verdict])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    print(line(head))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    if json_out:
        Path(json_out).write_text(json.dumps(recs, indent=2) + "\n")


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "urls" and len(args) in (3, 4):
        cmd_urls(args[0], args[1], args[2], int(args[3]) if len(args) == 4 else 10000)
    elif cmd == "latency" and len(args) == 3:
        cmd_latency(args[0], float(args[1]), float(args[2]))
    elif cmd == "record" and len(args) == 7:
        cmd_record(*args)
    elif cmd == "table" and len(args) in (1, 2):
        cmd_table(args[0], args[1] if len(args) == 2 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
