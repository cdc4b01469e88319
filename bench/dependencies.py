#!/usr/bin/env python3
"""Helper of bench/dependencies.sh (standard library only).

  dependencies.py sample OUT.csv INTERVAL_S FAKE_URL SHOP_URL
      every INTERVAL_S until killed: wall time, fake-upstream's total request count (GET /_stats)
      and keel-shop's recommendations breaker state (keel_breaker_state on /metrics)
  dependencies.py record KEY ITEM...
      one JSON line for a run: ITEM is a keel-load --out directory (summary + time series),
      upstream:URL (fake-upstream /_stats now), metrics:URL (keel-shop hedge/breaker counters now),
      samples:CSV, events:FILE, or name:text
  dependencies.py report RUNS.jsonl OUT_PREFIX key=value...
      the Markdown table (stdout), OUT_PREFIX.json (every figure) and OUT_PREFIX.html (plots)
"""

from __future__ import annotations

import html
import json
import re
import statistics
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=2) as r:
        return r.read().decode()


def metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def sample(out: str, interval: float, fake: str, shop: str) -> None:
    with open(out, "w") as f:
        f.write("t,upstream_requests,breaker_state\n")
        while True:
            t = time.time()
            try:
                n = json.loads(fetch(fake + "/_stats"))["routes"]["recommendations"]["requests"]
                state = metric(fetch(shop + "/metrics"), "keel_breaker_state",
                               dependency="recommendations")
                f.write(f"{t:.3f},{n},{int(state)}\n")
                f.flush()
            except Exception:  # noqa: BLE001 - a missed sample is a gap in the plot
                pass
            time.sleep(max(0.0, interval - (time.time() - t)))


def record(key: str, items: list[str]) -> None:
    out: dict = {"key": key, "loads": [], "upstream": [], "notes": {}}
    for item in items:
        kind, _, value = item.partition(":")
        if kind == "upstream":
            stats = json.loads(fetch(value + "/_stats"))
            out["upstream"].append(stats["routes"]["recommendations"]["requests"])
        elif kind == "metrics":
            text = fetch(value + "/metrics")
            out["metrics"] = {
                n: metric(text, n, dependency="recommendations")
                for n in ("keel_hedges_total", "keel_hedges_won_total",
                          "keel_hedge_budget_refusals_total", "keel_fallbacks_total")}
        elif kind == "samples":
            rows = Path(value).read_text().splitlines()[1:]
            out["samples"] = [[float(x) for x in r.split(",")] for r in rows if r]
        elif kind == "events":
            out["events"] = {line.split()[0]: float(line.split()[1])
                             for line in Path(value).read_text().splitlines() if line.strip()}
        elif kind in ("payments", "pending"):
            out["notes"][kind] = value
        else:
            d = Path(item)
            summary = json.loads((d / "summary.json").read_text())
            series = json.loads((d / "timeseries.json").read_text())
            out["loads"].append({
                "name": d.name, "totals": summary["totals"], "latency_ms": summary["latency_ms"],
                "types": {t["name"]: {"latency_ms": t["latency_ms"], "totals": t["totals"]}
                          for t in summary["request_types"]},
                "series": [[s["second"], s["p99_ms"], s["completed"], s["p50_ms"], s["p90_ms"]]
                           for s in series],
                "started_at": summary.get("started_at")})
            cpu = d.parent / (d.name + ".cpu")  # "cpu_s_before cpu_s_after t_before t_after"
            if cpu.exists():
                c0, c1, w0, w1 = (float(x) for x in cpu.read_text().split())
                out["loads"][-1]["server_cpu_pct"] = (c1 - c0) / (w1 - w0) * 100
    print(json.dumps(out))


# ------------------------------------------------------------------------------------------------
# report

def svg_lines(title: str, series: list[tuple[str, str, list[tuple[float, float]]]], ylabel: str,
              marks: list[tuple[float, str]] = (), log: bool = False, w: int = 760,
              h: int = 240) -> str:
    import math
    series = [(n, c, [p for p in s if p[0] is not None and p[1] is not None]) for n, c, s in series]
    pts = [p for _, _, s in series for p in s]
    if not pts:
        return f"<p>{html.escape(title)}: no data</p>"
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    ys = [p[1] for p in pts if not log or p[1] > 0]
    y0, y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if log:
        y0, y1 = math.log10(max(y0, 1e-3)), math.log10(max(y1, 1e-3))
    else:
        y0 = 0.0
    if y1 <= y0:
        y1 = y0 + 1
    if x1 <= x0:
        x1 = x0 + 1
    L, R, T, B = 60, 10, 24, 30

    def X(x):
        return L + (x - x0) / (x1 - x0) * (w - L - R)

    def Y(y):
        if log:
            y = math.log10(max(y, 1e-3))
        return h - B - (y - y0) / (y1 - y0) * (h - T - B)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             f'font-family="sans-serif" font-size="11">',
             f'<text x="{L}" y="14" font-weight="bold">{html.escape(title)}</text>',
             f'<line x1="{L}" y1="{h-B}" x2="{w-R}" y2="{h-B}" stroke="#888"/>',
             f'<line x1="{L}" y1="{T}" x2="{L}" y2="{h-B}" stroke="#888"/>',
             f'<text x="4" y="{T+8}">{html.escape(ylabel)}</text>']
    for frac in (0, 0.5, 1):
        yv = y0 + frac * (y1 - y0)
        label = 10 ** yv if log else yv
        parts.append(f'<text x="4" y="{Y(label)+4:.1f}">{label:.3g}</text>')
    for frac in (0, 0.25, 0.5, 0.75, 1):
        xv = x0 + frac * (x1 - x0)
        parts.append(f'<text x="{X(xv)-8:.1f}" y="{h-12}">{xv:.0f}s</text>')
    for xv, label in marks:
        parts.append(f'<line x1="{X(xv):.1f}" y1="{T}" x2="{X(xv):.1f}" y2="{h-B}" '
                     f'stroke="#c00" stroke-dasharray="4,3"/>'
                     f'<text x="{X(xv)+3:.1f}" y="{T+10}" fill="#c00">{html.escape(label)}</text>')
    for i, (name, color, s) in enumerate(series):
        if not s:
            continue
        d = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in s)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{d}"/>')
        parts.append(f'<text x="{w-R-170}" y="{T+12+14*i}" fill="{color}">{html.escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def analyse_s1(run: dict) -> dict:
    """Scenario 1's interleaved phases (keel-load directories s1-healthyN / s1-slowN, in run order)."""
    phases = []
    for load in run["loads"]:
        name = load["name"][len("s1-"):]
        types = load["types"]
        phases.append({
            "name": name, "provider": "slow" if name.startswith("slow") else "healthy",
            "started_at": load.get("started_at"),
            "product_p99_ms": types["product"]["latency_ms"]["p99"],
            "products": types["product"]["latency_ms"]["count"],
            "order_p99_ms": types["order"]["latency_ms"]["p99"],
            "orders": types["order"]["latency_ms"]["count"],
            "server_cpu_pct": load.get("server_cpu_pct"),
            "order_status": types["order"]["totals"].get("status")})
    healthy = [p for p in phases if p["provider"] == "healthy"]
    slow = [p for p in phases if p["provider"] == "slow"]
    # Medians: one disturbed phase (a cron job, a page-cache miss) moves neither side.
    bp = statistics.median(p["product_p99_ms"] for p in healthy)
    sp = statistics.median(p["product_p99_ms"] for p in slow)
    order_slow = [p["order_p99_ms"] for p in slow]
    status: dict = {}
    for p in slow:
        for code, n in (p["order_status"] or {}).items():
            status[code] = status.get(code, 0) + n
    # Drift-corrected: each slow phase against the mean of the healthy phases either side of it
    # (the run alternates healthy, slow, ..., healthy). The server's state drifts over a run (its
    # CPU per second and the reads' p99 both rose steadily across one), which medians of the two
    # groups do not cancel; a slow phase's neighbours share its moment of that drift.
    paired = []
    for i, p in enumerate(phases):
        if p["provider"] == "slow" and 0 < i < len(phases) - 1:
            around = (phases[i - 1]["product_p99_ms"] + phases[i + 1]["product_p99_ms"]) / 2
            if around > 0:
                paired.append((p["product_p99_ms"] / around - 1) * 100)
    out = {
        "phases": phases,
        "product_p99_paired_change_pct": paired,
        "product_p99_paired_change_pct_median": statistics.median(paired) if paired else None,
        "product_p99_ms_baseline": bp, "product_p99_ms_slow": sp,
        "product_p99_change_pct": (sp - bp) / bp * 100 if bp else None,
        "product_p99_ms_healthy_range": [min(p["product_p99_ms"] for p in healthy),
                                         max(p["product_p99_ms"] for p in healthy)],
        "products_per_phase_min": min(p["products"] for p in phases),
        "order_p99_ms_baseline": statistics.median(p["order_p99_ms"] for p in healthy),
        "order_p99_ms_slow": max(order_slow),
        "order_p99_ms_slow_median": statistics.median(order_slow),
        "order_status_slow": status,
        "notes": run["notes"],
        "_series": [load["series"] for load in run["loads"]],  # per phase, for the plot
    }
    out["pass_order"] = out["order_p99_ms_slow"] <= 350
    # The verdict uses the drift-corrected figure; both are printed.
    out["pass_product"] = (out["product_p99_paired_change_pct_median"] is not None
                           and abs(out["product_p99_paired_change_pct_median"]) <= 10)
    out["pass"] = out["pass_order"] and out["pass_product"]
    return out


def analyse(runs: dict) -> dict:
    res: dict = {}
    if "s1" in runs:
        res["s1"] = analyse_s1(runs["s1"])
    if "s2-off" in runs and "s2-on" in runs:
        out = {}
        for mode in ("off", "on"):
            r = runs[f"s2-{mode}"]
            load = r["loads"][0]
            calls = load["totals"]["responses"]
            upstream = sum(r["upstream"])
            out[mode] = {"p50_ms": load["latency_ms"]["p50"], "p99_ms": load["latency_ms"]["p99"],
                         "p99_9_ms": load["latency_ms"]["p99_9"], "calls": calls,
                         "upstream_requests": upstream,
                         "extra_upstream_pct": (upstream / calls - 1) * 100 if calls else None,
                         "metrics": r.get("metrics", {}),
                         "status": load["totals"].get("status")}
        out["p99_cut"] = out["off"]["p99_ms"] / out["on"]["p99_ms"] if out["on"]["p99_ms"] else None
        out["extra_upstream_pct"] = ((out["on"]["upstream_requests"] / out["on"]["calls"]) -
                                     (out["off"]["upstream_requests"] / out["off"]["calls"])) * 100
        out["pass"] = (out["p99_cut"] or 0) >= 5 and out["extra_upstream_pct"] <= 10
        res["s2"] = out
    if "s3" in runs and not {"start", "down", "up"} <= runs["s3"].get("events", {}).keys():
        # The switch (provider down, then back) did not happen: nothing here measures the breaker.
        seen = ", ".join(sorted(runs["s3"].get("events", {}))) or "none"
        res["s3"] = {"error": f"the provider was not switched down and back (events seen: {seen})",
                     "pass": False}
    elif "s3" in runs:
        r = runs["s3"]
        ev = r.get("events", {})
        t0 = ev.get("start", 0)
        down, up = ev.get("down", 0) - t0, ev.get("up", 0) - t0
        samples = [(t - t0, n, s) for t, n, s in r.get("samples", [])]
        rate = []  # upstream req/s between samples
        for (ta, na, _), (tb, nb, _) in zip(samples, samples[1:]):
            if tb > ta:
                rate.append(((ta + tb) / 2, (nb - na) / (tb - ta)))
        # Whole-second upstream rates (n at the last sample at or before each second).
        def n_at(t):
            before = [n for ts, n, _ in samples if ts <= t]
            return before[-1] if before else None
        sec_rate = []
        if samples:
            for k in range(int(samples[0][0]) + 1, int(samples[-1][0])):
                a, b = n_at(k), n_at(k + 1)
                if a is not None and b is not None:
                    sec_rate.append((k + 0.5, b - a))
        healthy = [v for t, v in sec_rate if 1 <= t < down]
        healthy_rate = sorted(healthy)[len(healthy) // 2] if healthy else None
        opened = next((t for t, _, s in samples if t >= down and s == 1), None)
        closed = next((t for t, _, s in samples if t >= up and s == 0), None)
        calls_until_open = None
        if opened is not None and n_at(down) is not None:
            calls_until_open = n_at(opened) - n_at(down)
        open_rates = [v for t, v in sec_rate if opened is not None and opened + 0.5 <= t - 0.5 and t + 0.5 <= up]
        after = [v for t, v in sec_rate if t - 0.5 >= up]
        load = r["loads"][0]
        series = load["series"]
        in_open = [x for x in series if opened is not None and opened + 1 <= x[0] < up - 1]
        p99_open = [x[1] for x in in_open if x[1] is not None]
        p50_open = [x[3] for x in in_open if x[3] is not None]
        p90_open = [x[4] for x in in_open if x[4] is not None]
        p99_healthy = [x[1] for x in series if 1 <= x[0] < down and x[1] is not None]
        res["s3"] = {
            "down_at_s": down, "up_at_s": up, "healthy_upstream_rps": healthy_rate,
            "breaker_opened_after_s": (opened - down) if opened is not None else None,
            "upstream_calls_until_open": calls_until_open,
            "upstream_rps_while_open_max": max(open_rates) if open_rates else None,
            "breaker_closed_after_recovery_s": (closed - up) if closed is not None else None,
            "upstream_rps_after_recovery_max": max(after) if after else None,
            "shop_p99_ms_healthy_median": sorted(p99_healthy)[len(p99_healthy) // 2] if p99_healthy else None,
            "shop_p99_ms_while_open_max": max(p99_open) if p99_open else None,
            "shop_p50_ms_while_open_max": max(p50_open) if p50_open else None,
            "shop_p90_ms_while_open_max": max(p90_open) if p90_open else None,
            "status": load["totals"].get("status"),
            "n_samples": len(samples), "_rate": rate, "_samples": samples, "_series": series,
            "_sec_rate": sec_rate,
        }
        s3 = res["s3"]
        s3["pass"] = bool(
            s3["breaker_opened_after_s"] is not None and s3["breaker_closed_after_recovery_s"] is not None
            and healthy_rate and s3["upstream_rps_after_recovery_max"] is not None
            and s3["upstream_rps_after_recovery_max"] <= 1.2 * healthy_rate)
    return res


def report(runs_path: str, prefix: str, meta: list[str]) -> None:
    runs = {}
    for line in Path(runs_path).read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            runs[r["key"]] = r
    res = analyse(runs)
    info = dict(m.split("=", 1) for m in meta)
    lines = [f"load average {info.get('load_start')} → {info.get('load_end')}, "
             f"{info.get('phase')} s runs, rates {info.get('rates')} req/s", ""]
    if "s1" in res:
        lines[0] += (f"; scenario 1: {info.get('rounds1')} rounds of {info.get('phase1')} s phases, "
                     f"{info.get('orders1')} orders/s within the rate")
    lines += ["| scenario | figure | value | goal |", "|---|---|---|---|"]
    if "s1" in res:
        s = res["s1"]

        def met(ok):
            return "**met**" if ok else "**not met**"
        for p in s["phases"]:
            lines.append(f"| 1 payment 2 s | phase {p['name']} (provider at "
                         f"{'2 s' if p['provider'] == 'slow' else '20 ms'}): product p99 / order p99 | "
                         f"{p['product_p99_ms']:.2f} ms ({p['products']} reads) / "
                         f"{p['order_p99_ms']:.1f} ms ({p['orders']} orders)"
                         + (f"; server CPU {p['server_cpu_pct']:.1f} %" if p.get("server_cpu_pct")
                            is not None else "") + " | |")
        lo, hi = s["product_p99_ms_healthy_range"]
        pairs = ", ".join(f"{v:+.1f}" for v in s["product_p99_paired_change_pct"])
        lines += [f"| 1 payment 2 s | GET /v1/products/{{id}} p99, median of healthy → of slow phases | "
                  f"{s['product_p99_ms_baseline']:.2f} → {s['product_p99_ms_slow']:.2f} ms "
                  f"({s['product_p99_change_pct']:+.1f} %; healthy phases {lo:.2f}–{hi:.2f} ms) | |",
                  f"| 1 payment 2 s | GET /v1/products/{{id}} p99, each slow phase against the mean "
                  f"of its two healthy neighbours (drift-corrected), median | "
                  f"{s['product_p99_paired_change_pct_median']:+.1f} % (per slow phase: {pairs} %) | "
                  f"± 10 % — {met(s['pass_product'])} |",
                  f"| 1 payment 2 s | order p99 with the 2 s provider: max / median of slow phases "
                  f"(healthy median) | {s['order_p99_ms_slow']:.1f} / {s['order_p99_ms_slow_median']:.1f} ms "
                  f"({s['order_p99_ms_baseline']:.1f} ms) | ≤ 350 ms — {met(s['pass_order'])} |"]
    else:
        lines += ["| 1 payment 2 s | — | not run (POST /v1/orders missing or --only) | |"]
    if "s2" in res:
        s = res["s2"]
        lines += [f"| 2 hedging | p99 off → on | {s['off']['p99_ms']:.1f} → {s['on']['p99_ms']:.1f} ms "
                  f"(÷{s['p99_cut']:.1f}) | ≥ 5× |",
                  f"| 2 hedging | extra upstream requests | {s['extra_upstream_pct']:.1f} % "
                  f"({s['on']['upstream_requests']} for {s['on']['calls']} calls) | ≤ 10 % |"]
    if "s3" in res and "error" in res["s3"]:
        lines.append(f"| 3 down/back | — | not measured: {res['s3']['error']} | |")
    elif "s3" in res:
        s = res["s3"]

        def f(v, fmt="{:.2f}"):
            return "—" if v is None else fmt.format(v)
        lines += [f"| 3 down/back | breaker opened after | {f(s['breaker_opened_after_s'])} s, "
                  f"{f(s['upstream_calls_until_open'], '{:.0f}')} upstream requests | within its window (20 calls) |",
                  f"| 3 down/back | upstream req/s: healthy / while open (max) / after recovery (max) | "
                  f"{f(s['healthy_upstream_rps'], '{:.0f}')} / {f(s['upstream_rps_while_open_max'], '{:.1f}')} / "
                  f"{f(s['upstream_rps_after_recovery_max'], '{:.0f}')} | no storm |",
                  f"| 3 down/back | shop p99 healthy (median per s) / p50, p90, p99 while open (max per s) | "
                  f"{f(s['shop_p99_ms_healthy_median'])} / {f(s['shop_p50_ms_while_open_max'])}, "
                  f"{f(s['shop_p90_ms_while_open_max'])}, {f(s['shop_p99_ms_while_open_max'])} ms "
                  f"| fail fast (p99 includes the half-open trials, which wait for the 150 ms timeout) |",
                  f"| 3 down/back | breaker closed after recovery | {f(s['breaker_closed_after_recovery_s'])} s | via half-open |"]
    table = "\n".join(lines)
    print(table)
    public = {k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")} for k, v in res.items()}
    Path(prefix + ".json").write_text(json.dumps({"meta": info, "results": public,
                                                  "runs": runs}, indent=1))
    body = [f"<h1>bench/dependencies.sh</h1><pre>{html.escape(table)}</pre>"]
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    if "s1" in res:
        # One time axis for the phases (keel-load's started_at has whole seconds); the settle runs
        # between them are not drawn. Only the first phase of each kind is named in the legend.
        phases = res["s1"]["phases"]

        def start(p):
            try:
                return datetime.strptime(p["started_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
                    tzinfo=timezone.utc).timestamp()
            except (TypeError, ValueError):
                return None
        t0 = start(phases[0])
        ser, mid, named = [], {"healthy": [], "slow": []}, set()
        for i, (p, series) in enumerate(zip(phases, res["s1"]["_series"])):
            t = start(p)
            off = (t - t0) if t is not None and t0 is not None else i * (len(series) + 1)
            color = colors[1] if p["provider"] == "slow" else colors[0]
            kind = "at 2 s" if p["provider"] == "slow" else "healthy"
            label = "" if p["provider"] in named else f"provider {kind}: p99, all requests"
            named.add(p["provider"])
            ser.append((label, color, [(off + x[0], x[1]) for x in series]))
            mid[p["provider"]].append((off + len(series) / 2, p["product_p99_ms"]))
        body.append(svg_lines("1. per-second p99, products + orders mix: payment healthy (20 ms) "
                              "and at 2 s, interleaved", ser, "ms", log=True))
        body.append(svg_lines("1. GET /v1/products/{id} p99 per phase (at the phase's middle)",
                              [("provider healthy", colors[0], mid["healthy"]),
                               ("provider at 2 s", colors[1], mid["slow"])], "ms"))
    if "s2-off" in runs and "s2-on" in runs:
        ser = [(f"hedging {m} p99", colors[i], [(x[0], x[1]) for x in runs[f"s2-{m}"]["loads"][0]["series"]])
               for i, m in enumerate(("off", "on"))]
        body.append(svg_lines("2. per-second p99 of GET /v1/products/{id}/recommendations, "
                              "5 % of provider answers stalled 100 ms", ser, "ms", log=True))
    if "s3" in res and "error" not in res["s3"]:
        s = res["s3"]
        marks = [(s["down_at_s"], "provider down"), (s["up_at_s"], "provider back")]
        body.append(svg_lines("3. upstream request rate (fake-upstream's own count)",
                              [("req/s over 200 ms", colors[3], s["_rate"]),
                               ("req/s per second", colors[0], s["_sec_rate"])], "req/s", marks))
        body.append(svg_lines("3. breaker state (0 closed, 1 open, 2 half-open)",
                              [("state", colors[1], [(t, st) for t, _, st in s["_samples"]])], "state",
                              marks))
        body.append(svg_lines("3. keel-shop per-second latency (recommendations)",
                              [("p99", colors[2], [(x[0], x[1]) for x in s["_series"]]),
                               ("p50", colors[0], [(x[0], x[3]) for x in s["_series"]])], "ms",
                              marks, log=True))
    Path(prefix + ".html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>dependencies</title></head><body>"
        + "\n".join(body) + "</body></html>")


def main() -> None:
    cmd = sys.argv[1]
    if cmd == "sample":
        sample(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif cmd == "record":
        record(sys.argv[2], sys.argv[3:])
    elif cmd == "report":
        report(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
