#!/usr/bin/python3
"""Parse wrk/h2load output into JSON lines and summarise http_peers.sh runs (stdlib only).

  parse_results.py wrk OUT [key=value ...]           -> one JSON object on stdout
  parse_results.py h2load OUT LOGFILE [key=value ...] -> one JSON object on stdout
  parse_results.py report RAW.jsonl OUT.json META.json -> table on stdout, OUT.json written

key=value pairs are added to the object (numbers are converted); cpu_s=<server CPU seconds> also
adds cpu_us_per_req = cpu_s / completed requests.
"""
import json
import math
import re
import statistics
import sys

UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    return float(m.group(1)) * UNITS_MS[m.group(2)] if m else None


def kv(args):
    out = {}
    for a in args:
        k, _, v = a.partition("=")
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


def add_cpu(rec):
    n = rec.get("requests") or 0
    if "cpu_s" in rec and n > 0:
        rec["cpu_us_per_req"] = round(rec["cpu_s"] / n * 1e6, 3)
    return rec


def parse_wrk(path, extra):
    text = open(path, errors="replace").read()
    rec = {"tool": "wrk", "ok": False}
    m = re.search(r"(\d+) requests in ([0-9.]+\w+), ", text)
    if m:
        rec["requests"] = int(m.group(1))
        rec["elapsed_s"] = round(to_ms(m.group(2)) / 1e3, 3)
    m = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    if m:
        rec["rps"] = float(m.group(1))
        rec["ok"] = True
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    rec["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    rec["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()))) if m else {}
    # --latency distribution (closed loop: coordinated omission applies; kept for reference only)
    for pct in ("50", "90", "99"):
        m = re.search(r"^\s+%s(?:\.0+)?%%\s+(\S+)" % pct, text, re.M)
        if m:
            rec["wrk_p%s_ms" % pct] = to_ms(m.group(1))
    rec.update(extra)
    if not rec["ok"]:
        rec["error"] = text.strip().splitlines()[-3:] if text.strip() else "no output"
    return add_cpu(rec)


def percentile(sorted_vals, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return None
    k = max(1, math.ceil(p / 100 * len(sorted_vals)))
    return sorted_vals[k - 1]


def parse_h2load(path, logfile, extra):
    text = open(path, errors="replace").read()
    rec = {"tool": "h2load", "ok": False}
    m = re.search(r"finished in ([0-9.]+\w+), ([0-9.]+) req/s", text)
    if m:
        rec["elapsed_s"] = round(to_ms(m.group(1)) / 1e3, 3)
        rec["rps"] = float(m.group(2))
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", text)
    if m:
        total, started, done, ok, failed, errored, timeout = map(int, m.groups())
        rec.update(requests=ok, total=total, failed=failed, errored=errored, timeout=timeout)
        rec["ok"] = ok == total and total > 0
    m = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    if m:
        rec["non2xx"] = sum(map(int, m.groups()[1:]))
    m = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", text)
    if m:
        rec["h2load_min_ms"], rec["h2load_max_ms"], rec["h2load_mean_ms"], rec["h2load_sd_ms"] = map(to_ms, m.groups())
    # h2load prints no percentiles; its --log-file has one row per request: start (us since epoch),
    # status, microseconds from sending the request to the end of the response.
    lat, bad = [], 0
    try:
        with open(logfile) as f:
            for line in f:
                parts = line.split("\t")
                if len(parts) >= 3:
                    if parts[1] == "200":
                        lat.append(int(parts[2]))
                    else:
                        bad += 1
    except OSError:
        pass
    lat.sort()
    rec["log_rows"] = len(lat) + bad
    rec["log_non200"] = bad
    for p in (50, 90, 99, 99.9):
        v = percentile(lat, p)
        rec["p%s_ms" % str(p).replace(".0", "")] = round(v / 1e3, 4) if v is not None else None
    rec.update(extra)
    if "rate" in rec and "rps" in rec:
        rec["saturated"] = rec["rps"] < 0.95 * rec["rate"]
    if not rec["ok"]:
        rec["error"] = text.strip().splitlines()[-4:] if text.strip() else "no output"
    return add_cpu(rec)


# ---------------------------------------------------------------- report

SCENARIOS = [  # (scenario, metric, label, higher_is_better)
    ("c64", "rps", "wrk -c64 req/s", True),
    ("c256", "rps", "wrk -c256 req/s", True),
    ("pipe16", "rps", "wrk -c64 pipeline16 req/s", True),
    ("c64", "cpu_us_per_req", "wrk -c64 CPU us/req", False),
    ("fixed", "cpu_us_per_req", "fixed-rate CPU us/req", False),
    ("fixed", "p50_ms", "fixed-rate p50 ms", False),
    ("fixed", "p99_ms", "fixed-rate p99 ms", False),
]


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.3g" % v


def report(raw_path, out_path, meta_path):
    recs = [json.loads(l) for l in open(raw_path) if l.strip()]
    meta = json.load(open(meta_path))
    runs = [r for r in recs if r.get("type") == "measure"]
    lifecycle = [r for r in recs if r.get("type") == "server"]
    servers = meta["servers"]
    paths = meta["paths"]

    med = {}
    for srv in servers:
        for path in paths:
            for scen, metric, _, _ in SCENARIOS:
                vals = [r[metric] for r in runs
                        if r["server"] == srv and r["path"] == path and r["scenario"] == scen
                        and r.get("ok") and r.get(metric) is not None]
                if vals:
                    med[(srv, path, scen, metric)] = (statistics.median(vals), len(vals))

    peers = [s for s in servers if s != "keel"]
    head = ["path", "scenario"] + servers + ["keel/" + p for p in peers]
    rows = []
    medians_json = []
    for path in paths:
        for scen, metric, label, hib in SCENARIOS:
            row = [path, label]
            for srv in servers:
                v = med.get((srv, path, scen, metric))
                mark = ""
                if scen == "fixed" and any(r.get("saturated") for r in runs if r["server"] == srv
                                           and r["path"] == path and r["scenario"] == "fixed"):
                    mark = "*"
                row.append(fmt(v[0]) + mark if v else "-")
                if v:
                    medians_json.append({"server": srv, "path": path, "scenario": scen, "metric": metric,
                                         "median": v[0], "n": v[1]})
            k = med.get(("keel", path, scen, metric))
            for p in peers:
                v = med.get((p, path, scen, metric))
                row.append("%.2f" % (k[0] / v[0]) if k and v and v[0] else "-")
            rows.append(row)
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(line(head))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    print("medians over %d round(s) of %ss; req/s: higher is better, CPU us/req and latency: lower is better."
          % (meta["rounds"], meta["duration_s"]))
    print("fixed rate: %d req/s from h2load (%d connections, --rps per connection); '*' = a round did not "
          "reach 95%% of that rate (server saturated: its latency is not comparable)."
          % (meta["rate"], meta["fixed_conns"]))
    print("fixed-rate p50/p99 from h2load --log-file, measured from when h2load actually sent each request "
          "(one request in flight per connection, so not corrected for coordinated omission).")

    problems = []
    for r in runs:
        errs = sum((r.get("socket_errors") or {}).values()) + (r.get("non2xx") or 0) + (r.get("failed") or 0) \
            + (r.get("errored") or 0) + (r.get("timeout") or 0)
        if not r.get("ok") or errs:
            problems.append("round %s %s %s %s: ok=%s non2xx=%s socket_errors=%s failed=%s errored=%s timeout=%s %s" % (
                r["round"], r["server"], r["path"], r["scenario"], r.get("ok"), r.get("non2xx"),
                r.get("socket_errors"), r.get("failed"), r.get("errored"), r.get("timeout"), r.get("error", "")))
    for r in lifecycle:
        if not r.get("responses_ok", True):
            problems.append("round %s %s: wrong response to a check request" % (r["round"], r["server"]))
        if r["server"] == "keel" and str(r.get("exit_status")) != "0":
            problems.append("round %s keel: exit status %s after SIGTERM" % (r["round"], r.get("exit_status")))
        if r.get("log_error_lines"):
            problems.append("round %s %s: %d error/warn line(s) in its log, e.g. %s" % (
                r["round"], r["server"], r["log_error_lines"], r.get("log_first_error", "")))
    if problems:
        print("\nproblems seen:")
        for p in problems:
            print("  - " + p)
    else:
        print("\nno errors: every response was 2xx, no socket errors, keel exited 0 on SIGTERM each round.")

    json.dump({"meta": meta, "medians": medians_json, "runs": runs, "servers": lifecycle,
               "problems": problems}, open(out_path, "w"), indent=1)
    print("raw results: %s" % out_path)


def main():
    cmd = sys.argv[1]
    if cmd == "wrk":
        print(json.dumps(parse_wrk(sys.argv[2], kv(sys.argv[3:]))))
    elif cmd == "h2load":
        print(json.dumps(parse_h2load(sys.argv[2], sys.argv[3], kv(sys.argv[4:]))))
    elif cmd == "report":
        report(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
