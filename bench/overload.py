#!/usr/bin/env python3
"""Helper of bench/overload.sh (standard library only).

  overload.py scenario BASE_URL PRODUCTS FILE      write the keel-load scenario (GET by random id)
  overload.py capacity RAMP_SUMMARY                print the ramp's capacity (req/s, integer)
  overload.py record MODE C BUDGET_MS DIR          print one run's figures (JSON line) from
                                                   DIR/summary.json and DIR/timeseries.json
  overload.py table RESULTS.jsonl [JSON_OUT]       print the comparison table (and write JSON)

Figures of a spike run (1x C -> 3x C -> 1x C):
  goodput       successful (1xx-3xx) responses per second while the spike lasts, counted when
                they happened (keel-load's per-second `ok`), as a share of C;
  p99 ok        p99 latency of the successes among requests scheduled during the spike;
  p99 refused   p99 latency of the 429/503 refusals among them;
  recovery      keel-load's spike verdict: seconds from the end of the spike until the
                per-second p99 is back within 10 % of its pre-spike value (and stays there 3 s);
  client        sent/s during the spike and late sends (no free connection): when keel-load
                cannot send 3x C on time (or the server does not read), latencies include that
                queue, as a user's would.
Goals (protection on): goodput >= 90 % of C, p99 ok <= the route budget, p99 refused <= 5 ms,
recovery <= 2 s.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOAL_GOODPUT = 0.90
GOAL_REFUSED_P99_MS = 5.0
GOAL_RECOVERY_S = 2
# Below this share of the offered rate actually sent during the spike, the run measured keel-load
# (or a server that stopped reading), not the intended overload: it is flagged, not judged.
MIN_SENT_SHARE = 0.9


def scenario(base_url: str, products: int, path: str) -> None:
    Path(path).write_text(
        "# bench/overload.sh: GET /v1/products/{id}, ids uniform over the seeded catalogue\n"
        f'base_url = "{base_url}"\n\n'
        "[vars.id]\n"
        'dist = "uniform"\n'
        "lo = 1\n"
        f"hi = {int(products)}\n\n"
        "[[requests]]\n"
        'name = "product"\n'
        'path = "/v1/products/{id}"\n')


def capacity(summary_path: str) -> None:
    s = json.loads(Path(summary_path).read_text())
    cap = (s.get("ramp") or {}).get("capacity_rps")
    if not cap:
        sys.exit("no capacity in the ramp summary (not even the first step passed its SLO)")
    print(int(cap))


def phase(summary: dict, label: str) -> dict:
    for p in summary.get("phases", []):
        if p["label"] == label:
            return p
    return {}


def record(mode: str, cap: float, budget_ms: float, run_dir: str) -> None:
    d = Path(run_dir)
    s = json.loads((d / "summary.json").read_text())
    rows = json.loads((d / "timeseries.json").read_text())
    if isinstance(rows, dict):  # tolerate {"seconds": [...]}
        rows = rows.get("seconds") or rows.get("rows") or []
    spike = phase(s, "spike")
    before = phase(s, "before")
    first, end = spike.get("first_second", 0), spike.get("end_second", 0)
    in_spike = [r for r in rows if first <= int(r["second"]) < end]
    ok_per_s = sum(int(r.get("ok", 0)) for r in in_spike) / max(1, len(in_spike))
    served_per_s = sum(int(r.get("completed", 0)) for r in in_spike) / max(1, len(in_spike))
    totals = s.get("totals", {})
    errors = totals.get("errors_by_kind", {})
    statuses = totals.get("status", {})
    out = {
        "mode": mode,
        "capacity_rps": cap,
        "offered_rps": spike.get("target_rate"),
        "spike_s": end - first,
        "budget_ms": budget_ms,
        "goodput_rps": round(ok_per_s, 1),
        "goodput_share": round(ok_per_s / cap, 3) if cap else None,
        "answered_rps": round(served_per_s, 1),
        "sent_rps": round(sum(int(r.get("sent", 0)) for r in in_spike) / max(1, len(in_spike)), 1),
        "p99_before_ms": (before.get("latency_ms") or {}).get("p99"),
        "p99_ok_ms": (spike.get("latency_ok_ms") or {}).get("p99"),
        "p99_refused_ms": (spike.get("latency_refused_ms") or {}).get("p99"),
        "refused_in_spike": (spike.get("latency_refused_ms") or {}).get("count", 0),
        "ok_in_spike": (spike.get("latency_ok_ms") or {}).get("count", 0),
        "requests_in_spike": spike.get("requests", 0),
        "recovery_s": (s.get("spike") or {}).get("recovery_s"),
        "statuses": statuses,
        "errors": errors,
        "late": totals.get("late"),
        "send_delay_p99_ms": (s.get("send_delay_ms") or {}).get("p99"),
    }
    print(json.dumps(out))


def fmt(v, unit: str = "", digits: int = 1) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}{unit}"
    return f"{v}{unit}"


def verdicts(r: dict) -> list[str]:
    """Goals that failed (empty: all met). Only the 'on' run has goals."""
    failed = []
    if r["goodput_share"] is None or r["goodput_share"] < GOAL_GOODPUT:
        failed.append(f"goodput {fmt(r['goodput_share'] and r['goodput_share'] * 100, ' %')} "
                      f"< {GOAL_GOODPUT * 100:.0f} % of C")
    if r["p99_ok_ms"] is None or r["p99_ok_ms"] > r["budget_ms"]:
        failed.append(f"p99 ok {fmt(r['p99_ok_ms'], ' ms')} > budget {r['budget_ms']:g} ms")
    if r["refused_in_spike"] and r["p99_refused_ms"] > GOAL_REFUSED_P99_MS:
        failed.append(f"p99 refused {fmt(r['p99_refused_ms'], ' ms')} > {GOAL_REFUSED_P99_MS:g} ms")
    if r["recovery_s"] is None or r["recovery_s"] > GOAL_RECOVERY_S:
        failed.append(f"recovery {fmt(r['recovery_s'], ' s')} > {GOAL_RECOVERY_S} s")
    return failed


def table(results_path: str, json_out: str | None) -> None:
    rows = [json.loads(line) for line in Path(results_path).read_text().splitlines() if line]
    head = ("protection", "offered/s", "sent/s", "goodput/s", "% of C", "p99 before", "p99 ok",
            "p99 refused", "refused", "timeouts", "recovery", "late sends", "verdict")
    lines = [head]
    notes: list[str] = []
    for r in rows:
        timeouts = (r["errors"] or {}).get("timeout", 0)
        sent_share = (r.get("sent_rps") or 0) / r["offered_rps"] if r["offered_rps"] else 0
        if sent_share < MIN_SENT_SHARE:
            notes.append(f"{r['mode']}: only {sent_share * 100:.0f} % of the offered rate was sent "
                         "during the spike: every connection was busy (the server was not "
                         "reading fast enough) or keel-load itself was CPU-bound")
        if r["mode"] == "on":
            failed = verdicts(r)
            verdict = "goals met" if not failed else "missed: " + "; ".join(failed)
        else:
            verdict = "baseline"
        share = r["goodput_share"]
        lines.append((r["mode"], fmt(r["offered_rps"], "", 0), fmt(r.get("sent_rps"), "", 0),
                      fmt(r["goodput_rps"], "", 0),
                      fmt(share * 100 if share is not None else None, " %"),
                      fmt(r["p99_before_ms"], " ms", 2), fmt(r["p99_ok_ms"], " ms", 2),
                      fmt(r["p99_refused_ms"], " ms", 2), str(r["refused_in_spike"]),
                      str(timeouts), fmt(r["recovery_s"], " s"), str(r["late"]), verdict))
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    for k, row in enumerate(lines):
        print("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))
    for note in notes:
        print(f"note: {note}")
    if json_out:
        Path(json_out).write_text(json.dumps(rows, indent=2) + "\n")


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "scenario" and len(argv) == 5:
        scenario(argv[2], int(argv[3]), argv[4])
    elif cmd == "capacity" and len(argv) == 3:
        capacity(argv[2])
    elif cmd == "record" and len(argv) == 6:
        record(argv[2], float(argv[3]), float(argv[4]), argv[5])
    elif cmd == "table" and len(argv) in (3, 4):
        table(argv[2], argv[3] if len(argv) == 4 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
