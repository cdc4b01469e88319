#!/usr/bin/python3
"""Open N keep-alive connections, send one GET on each, read the response, then keep them open.

  idle_conns.py --port P --conns N --ready-file F [--path /plaintext] [--concurrency 256]

When every connection has been tried, writes a JSON summary to READY_FILE (atomically) and then
holds the connections until SIGTERM/SIGINT; on that signal it prints a final JSON summary (with
how many connections the server closed meanwhile) to stdout, closes everything and exits 0.
Stdlib only (asyncio); raises its own RLIMIT_NOFILE soft limit to the hard limit.
"""
import argparse
import asyncio
import collections
import json
import os
import resource
import signal
import time


async def one(args, sem, state):
    async with sem:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(args.host, args.port), timeout=args.timeout)
        except Exception as e:  # noqa: BLE001 - reported by type
            state["errors"][type(e).__name__ + " (connect)"] += 1
            return
        try:
            writer.write(("GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (args.path, args.host, args.port)).encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=args.timeout)
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            length = 0
            for h in lines[1:]:
                k, _, v = h.partition(":")
                if k.strip().lower() == "content-length":
                    length = int(v.strip())
            if length:
                await asyncio.wait_for(reader.readexactly(length), timeout=args.timeout)
        except Exception as e:  # noqa: BLE001
            state["errors"][type(e).__name__ + " (request)"] += 1
            writer.close()
            return
        state["status"][status] += 1
        state["open"].append(writer)
        state["watchers"].append(asyncio.ensure_future(watch(reader, state)))


async def watch(reader, state):
    """Counts connections the server closes (EOF/reset) while we hold them idle."""
    try:
        data = await reader.read(1)
        state["closed_by_server" if not data else "unexpected_bytes"] += 1
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001
        state["closed_by_server"] += 1


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/plaintext")
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=256, help="connections being set up at once")
    ap.add_argument("--timeout", type=float, default=15.0)
    ap.add_argument("--ready-file", required=True)
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]

    state = {"errors": collections.Counter(), "status": collections.Counter(), "open": [], "watchers": [],
             "closed_by_server": 0, "unexpected_bytes": 0}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)

    t0 = time.monotonic()
    sem = asyncio.Semaphore(args.concurrency)
    await asyncio.gather(*(one(args, sem, state) for _ in range(args.conns)))
    setup_s = round(time.monotonic() - t0, 2)

    def summary():
        return {"requested": args.conns, "held_open": len(state["open"]) - state["closed_by_server"],
                "responses": {str(k): v for k, v in sorted(state["status"].items())},
                "errors": dict(state["errors"]), "closed_by_server": state["closed_by_server"],
                "unexpected_bytes": state["unexpected_bytes"], "setup_s": setup_s,
                "rlimit_nofile": nofile}

    tmp = args.ready_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(summary(), f)
    os.replace(tmp, args.ready_file)

    await stop.wait()
    final = summary()
    final["held_s"] = round(time.monotonic() - t0 - setup_s, 2)
    print(json.dumps(final), flush=True)
    for w in state["watchers"]:
        w.cancel()
    for w in state["open"]:
        w.close()
    await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main())
