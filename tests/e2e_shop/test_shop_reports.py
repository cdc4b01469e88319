"""Reports: slow work off the request path (POST /v1/reports -> 202, a job on the "reports" queue,
status polling, the result, progress as Server-Sent Events), backpressure (503 + Retry-After when
the job queue is at jobs.max_depth), and dead letters (a test-only report type whose job always
fails is discarded after jobs.max_attempts with its last error, then retried from
POST /admin/jobs/{id}/retry). The result is checked against the same aggregate computed here
with SQLite from the seeded orders.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from shop_helpers import assert_field_error, assert_problem, db_rows

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from sse_client import SseStream  # noqa: E402

# Small chunks with a pause: a report over the 2000 seeded orders takes a second or two, long
# enough to watch it progress. Few quick attempts: the always-failing job dies in well under 1 s.
REPORT_ENV = {
    "reports__chunk_orders": 100,
    "reports__chunk_pause": "40ms",
    "shop__debug_routes": True,
    "jobs__max_attempts": 3,
    "jobs__backoff_base": "10ms",
    "jobs__backoff_cap": "20ms",
}
FINAL = ("succeeded", "failed")
VIEW_FIELDS = {"id", "type", "from", "to", "status", "progress", "attempt", "error", "result_url",
               "created_at", "finished_at"}


@pytest.fixture(scope="module")
def reports_db(db_copy):
    return db_copy("reports")


@pytest.fixture(scope="module")
def srv(reports_db, shop_server_module):
    return shop_server_module(reports_db, _name="reports", **REPORT_ENV)


@pytest.fixture(scope="module")
def period(reports_db):
    """A period covering roughly the middle half of the seeded orders."""
    rows = db_rows(reports_db, "SELECT created_at FROM orders ORDER BY created_at")
    n = len(rows)
    return rows[n // 4]["created_at"], rows[3 * n // 4]["created_at"]


def submit(srv, body: dict):
    return srv.post("/v1/reports", json=body)


def create(srv, frm, to, type_="sales_by_category") -> dict:
    r = submit(srv, {"type": type_, "from": frm, "to": to})
    assert r.status_code == 202, r.text
    return r.json()


def wait_status(srv, report_id: int, pred, timeout: float = 30.0) -> tuple[dict, list[dict]]:
    """Polls GET /v1/reports/{id} until pred(view); returns the last view and every view seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        view = srv.get_json(f"/v1/reports/{report_id}")
        seen.append(view)
        if pred(view):
            return view, seen
        assert time.monotonic() < deadline, f"report {report_id} never got there: {seen[-3:]}"
        time.sleep(0.05)


def expected_sales(db, frm: str, to: str) -> dict:
    rows = db_rows(db, """
        SELECT p.category AS category, COUNT(DISTINCT o.id) AS orders, SUM(oi.quantity) AS units,
               SUM(oi.quantity * oi.unit_price_cents) AS revenue_cents
        FROM orders o JOIN order_items oi ON oi.order_id = o.id
        JOIN products p ON p.id = oi.product_id
        WHERE o.created_at >= ? AND o.created_at < ? AND o.status <> 'cancelled'
        GROUP BY p.category""", (frm, to))
    count = db_rows(db, "SELECT COUNT(*) AS n FROM orders WHERE created_at >= ? AND "
                        "created_at < ? AND status <> 'cancelled'", (frm, to))[0]["n"]
    return {"categories": {r["category"]: r for r in rows}, "orders": count}


# --- 202 flow, status, result ------------------------------------------------------------------

def test_submit_answers_202_with_location_and_retry_after(srv, period):
    r = submit(srv, {"type": "sales_by_category", "from": period[0], "to": period[1]})
    assert r.status_code == 202, r.text
    body = r.json()
    assert set(body) == VIEW_FIELDS, body
    assert r.headers["location"] == f"/v1/reports/{body['id']}"
    assert int(r.headers["retry-after"]) >= 1
    assert body["status"] == "queued" and body["progress"] == 0
    assert body["result_url"] is None and body["error"] is None
    assert body["type"] == "sales_by_category"


def test_report_runs_to_success_and_its_result_matches_sql(srv, reports_db, period):
    report = create(srv, *period)
    view, seen = wait_status(srv, report["id"], lambda v: v["status"] in FINAL)
    assert view["status"] == "succeeded", view
    assert view["progress"] == 100 and view["result_url"] == f"/v1/reports/{report['id']}/result"
    assert view["finished_at"]
    progress = [v["progress"] for v in seen]
    assert progress == sorted(progress), progress  # never goes back
    assert any(0 < p < 100 for p in progress), f"no progress seen in between: {progress}"
    statuses = [v["status"] for v in seen]
    assert "running" in statuses, statuses
    r = srv.get(view["result_url"])
    assert r.status_code == 200, r.text
    result = r.json()
    # The server normalised the bounds; the seeded timestamps are already in that form.
    assert (result["from"], result["to"]) == period
    expected = expected_sales(reports_db, *period)
    got = {c["category"]: c for c in result["categories"]}
    assert set(got) == set(expected["categories"])
    for name, row in expected["categories"].items():
        assert (got[name]["orders"], got[name]["units"], got[name]["revenue_cents"]) == \
            (row["orders"], row["units"], row["revenue_cents"]), name
    assert result["totals"]["orders"] == expected["orders"]
    assert result["totals"]["revenue_cents"] == sum(
        r["revenue_cents"] for r in expected["categories"].values())
    revenue = [c["revenue_cents"] for c in result["categories"]]
    assert revenue == sorted(revenue, reverse=True)


def test_result_before_success_is_409_and_unknown_reports_404(srv, period):
    report = create(srv, *period)
    r = srv.get(f"/v1/reports/{report['id']}/result")
    if r.status_code == 409:  # the usual case: the job has barely started
        body = assert_problem(r, 409)
        assert f"report {report['id']} is " in body["detail"]
        assert "poll /v1/reports/" in body["detail"]
    else:
        assert r.status_code == 200, r.text  # a very fast worker; still not an error
    for path in ("/v1/reports/999999", "/v1/reports/999999/result", "/v1/reports/999999/events"):
        body = assert_problem(srv.get(path), 404)
        assert body["detail"] == "no report with id 999999"
    wait_status(srv, report["id"], lambda v: v["status"] in FINAL)


def test_empty_period_has_an_empty_result(srv):
    report = create(srv, "1990-01-01", "1990-02-01")
    view, _ = wait_status(srv, report["id"], lambda v: v["status"] in FINAL)
    assert view["status"] == "succeeded"
    result = srv.get_json(view["result_url"])
    assert result["categories"] == [] and result["totals"]["orders"] == 0


@pytest.mark.parametrize("body,field", [
    ({"from": "2024-01-01", "to": "2024-02-01"}, "type"),
    ({"type": "sales_by_region", "from": "2024-01-01", "to": "2024-02-01"}, "type"),
    ({"type": 7, "from": "2024-01-01", "to": "2024-02-01"}, "type"),
    ({"type": "sales_by_category", "to": "2024-02-01"}, "from"),
    ({"type": "sales_by_category", "from": "2024-02-30", "to": "2024-03-01"}, "from"),
    ({"type": "sales_by_category", "from": "2024-01-01T00:00:00+02:00", "to": "2024-03-01"},
     "from"),
    ({"type": "sales_by_category", "from": "2024-03-01", "to": "2024-01-01"}, "to"),
    ({"type": "sales_by_category", "from": "2024-01-01", "to": "2024-02-01", "x": 1}, "x"),
])
def test_invalid_bodies_are_400_naming_the_field(srv, body, field):
    assert_field_error(submit(srv, body), field)


def test_body_must_be_json(srv):
    r = srv.post("/v1/reports", content=b"type=sales", headers={"Content-Type": "text/plain"})
    assert_problem(r, 415)
    r = srv.post("/v1/reports", content=b'{"type":', headers={"Content-Type": "application/json"})
    assert_problem(r, 400)


# --- Server-Sent Events ------------------------------------------------------------------------

def test_events_stream_progress_until_the_final_status(srv, period):
    report = create(srv, *period)
    with SseStream(srv.host, srv.port, f"/v1/reports/{report['id']}/events", timeout=10) as s:
        assert s.status == 200
        assert s.headers["content-type"] == "text/event-stream"
        assert s.headers["transfer-encoding"] == "chunked"
        assert s.headers["cache-control"] == "no-store"
        items = s.rest(total_timeout=40)
        assert s.done, "the stream ends (last chunk) after the final status"
    events = [i for i in items if i.kind == "event"]
    assert events, items
    assert events[0].retry == 2000
    assert [e.id for e in events] == [str(n) for n in range(1, len(events) + 1)]
    import json
    views = [json.loads(e.data) for e in events]
    assert [e.event for e in events] == [v["status"] for v in views]
    assert views[-1]["status"] == "succeeded" and views[-1]["progress"] == 100
    assert views[-1]["result_url"] == f"/v1/reports/{report['id']}/result"
    progress = [v["progress"] for v in views]
    assert progress == sorted(progress), progress
    assert len(set(progress)) >= 3, f"expected several progress steps, got {progress}"
    assert all(e.event in ("queued", "running") for e in events[:-1])


def test_events_of_a_finished_report_is_one_event(srv):
    report = create(srv, "1990-01-01", "1990-02-01")
    wait_status(srv, report["id"], lambda v: v["status"] in FINAL)
    with SseStream(srv.host, srv.port, f"/v1/reports/{report['id']}/events") as s:
        items = s.rest(total_timeout=5)
        assert s.done
    assert [i.event for i in items if i.kind == "event"] == ["succeeded"]


# --- dead letters and the admin retry ----------------------------------------------------------

def job_of(srv, report_id: int) -> dict:
    """The report's job, through the admin API (GET /admin/jobs lists newest first)."""
    jobs = srv.get_json("/admin/jobs", params={"queue": "reports", "limit": 1000})["jobs"]
    for job in jobs:
        if job["kind"] == "report" and job["args"] == {"report_id": report_id}:
            return srv.get_json(f"/admin/jobs/{job['id']}")
    raise AssertionError(f"no job for report {report_id} in {jobs[:5]}")


def test_always_failing_job_is_dead_lettered_then_retried_from_admin(srv, period):
    report = create(srv, *period, type_="always_fail")
    view, _ = wait_status(srv, report["id"], lambda v: v["status"] in FINAL)
    assert view["status"] == "failed", view
    assert view["attempt"] == 3, view
    assert "always_fail reports fail on every attempt" in view["error"]
    assert "attempt 3 of 3" in view["error"]
    assert view["result_url"] is None
    body = assert_problem(srv.get(f"/v1/reports/{report['id']}/result"), 409)
    assert body["detail"].startswith(f"report {report['id']} failed (always_fail")

    job = job_of(srv, report["id"])
    assert job["state"] == "discarded", job
    assert job["attempt"] == 3 and "always_fail" in job["last_error"]
    dead = srv.get_json("/admin/jobs", params={"state": "discarded", "queue": "reports"})["jobs"]
    assert job["id"] in [j["id"] for j in dead]

    r = srv.post(f"/admin/jobs/{job['id']}/retry")
    assert r.status_code == 200, r.text
    # One more attempt runs (and fails again): back to failed with attempt 4.
    view, seen = wait_status(srv, report["id"],
                             lambda v: v["status"] == "failed" and v["attempt"] == 4)
    assert "attempt 4 of" in view["error"]
    assert job_of(srv, report["id"])["state"] == "discarded"
    # Retrying a job that is not dead is a conflict only while it runs; a completed one is 409.
    ok = create(srv, "1990-01-01", "1990-02-01")
    wait_status(srv, ok["id"], lambda v: v["status"] == "succeeded")
    assert_problem(srv.post(f"/admin/jobs/{job_of(srv, ok['id'])['id']}/retry"), 409)


# --- backpressure ------------------------------------------------------------------------------

def test_full_job_queue_answers_503_with_retry_after(db_copy, shop_server, period):
    db = db_copy("reports-full")
    # No workers: jobs stay queued, so the third report finds the queue at its max depth.
    srv = shop_server(db, _name="reports-full", shop__serve_workers=False, jobs__max_depth=2)
    first = create(srv, *period)
    create(srv, *period)
    r = submit(srv, {"type": "sales_by_category", "from": period[0], "to": period[1]})
    body = assert_problem(r, 503)
    assert int(r.headers["retry-after"]) >= 1
    assert "reports" in body["detail"], body
    # Nothing was created for the refused request: the report row rolled back with the enqueue.
    assert db_rows(db, "SELECT COUNT(*) AS n FROM reports")[0]["n"] == 2
    # Meanwhile the queued report says so, and its result is a 409 naming the status.
    view = srv.get_json(f"/v1/reports/{first['id']}")
    assert view["status"] == "queued" and view["progress"] == 0
    body = assert_problem(srv.get(f"/v1/reports/{first['id']}/result"), 409)
    assert body["detail"].startswith(f"report {first['id']} is queued (0% done)")
    # The test-only type is refused without shop.debug_routes.
    r = submit(srv, {"type": "always_fail", "from": period[0], "to": period[1]})
    errors = assert_field_error(r, "type")
    assert "supported: sales_by_category" in errors[0]["detail"]


# --- redelivery: a worker killed in the middle of a report ---------------------------------------

def test_report_killed_mid_job_resumes_and_counts_every_order_once(db_copy, shop_server, period):
    db = db_copy("reports-crash")
    env = dict(REPORT_ENV, reports__chunk_pause="150ms", jobs__lease="1s")
    srv = shop_server(db, _name="reports-crash", **env)
    report = create(srv, *period)
    wait_status(srv, report["id"], lambda v: v["status"] == "running" and v["progress"] >= 20)
    srv.proc.kill()  # SIGKILL: no drain, the job stays 'running' under a lease nobody renews
    srv.proc.wait(timeout=5)
    cursor = db_rows(db, "SELECT cursor_order_id AS c, progress FROM reports WHERE id = ?",
                     (report["id"],))[0]
    assert cursor["progress"] >= 20, cursor

    srv = shop_server(db, _name="reports-crash-restarted", **env)
    view, seen = wait_status(srv, report["id"], lambda v: v["status"] in FINAL, timeout=60)
    assert view["status"] == "succeeded", view
    assert view["attempt"] == 2, view  # the lease expired; maintenance made the job due again
    # It resumed: progress never went back below what the first attempt had durably reached.
    assert min(v["progress"] for v in seen) >= cursor["progress"], [v["progress"] for v in seen]
    result = srv.get_json(view["result_url"])
    expected = expected_sales(db, *period)
    got = {c["category"]: (c["orders"], c["units"], c["revenue_cents"])
           for c in result["categories"]}
    assert got == {name: (r["orders"], r["units"], r["revenue_cents"])
                   for name, r in expected["categories"].items()}
    assert result["totals"]["orders"] == expected["orders"]
