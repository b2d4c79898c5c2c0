"""The compact table ``make bench`` prints, and the targets it checks."""

import math

HOT_TARGET_CLIENTS = 32
HOT_TARGET_RATIO = 0.35
TAIL_TARGET = 10.0
BOOKING_QUERY_BUDGET = 8


def _ratio(convene: dict, pgbench: dict) -> float:
    return convene["rps"] / pgbench["tps"] if pgbench.get("tps") else math.nan


def _cpu(row: dict) -> str:
    if "server_cpu_ms_per_request" not in row:
        return "-"
    return "/".join(
        f"{row.get(key, math.nan):.1f}"
        for key in (
            "server_cpu_ms_per_request",
            "server_runqueue_ms_per_request",
            "db_cpu_ms_per_request",
            "client_cpu_ms_per_request",
        )
    )


def targets(results: dict, config) -> dict:
    hot = {row["clients"]: row for row in results["convene"].get("hot", [])}
    pg_hot = {row["clients"]: row for row in results["pgbench"].get("hot", [])}
    checks = {}
    if HOT_TARGET_CLIENTS in hot and HOT_TARGET_CLIENTS in pg_hot:
        ratio = _ratio(hot[HOT_TARGET_CLIENTS], pg_hot[HOT_TARGET_CLIENTS])
        checks["hot_ratio_at_32"] = {
            "value": round(ratio, 3),
            "target": f">= {HOT_TARGET_RATIO}",
            "met": ratio >= HOT_TARGET_RATIO,
        }
    tails = {
        f"{mode}@{row['clients']}": round(row["p99_ms"] / row["p50_ms"], 1)
        for mode in results["convene"]
        for row in results["convene"][mode]
        if row["p50_ms"] and row["requests"]
    }
    checks["p99_over_p50"] = {
        "value": tails,
        "target": f"<= {TAIL_TARGET:g}",
        "met": all(value <= TAIL_TARGET for value in tails.values()),
    }
    booking = results["queries"]["small"].get("booking", {})
    checks["booking_queries"] = {
        "value": booking.get("queries"),
        "target": f"<= {BOOKING_QUERY_BUDGET}",
        "met": booking.get("status") == 201 and booking.get("queries", 99) <= BOOKING_QUERY_BUDGET,
    }
    small, large = results["queries"]["small"], results["queries"]["large"]
    checks["constant_read_queries"] = {
        "value": {name: [small[name]["queries"], large[name]["queries"]] for name in large},
        "target": "same count with few and with 1,000+ sessions",
        "met": all(small[name]["queries"] == large[name]["queries"] for name in large),
    }
    checks["no_overbooking"] = {
        "value": results["integrity"]["problems"],
        "target": "none",
        "met": results["integrity"]["ok"],
    }
    return checks


def table(results: dict) -> str:
    lines = []
    config = results["config"]
    lines.append(
        f"Convene bench {results['started_at']} - {results['machine']['cpus']} CPUs, "
        f"gunicorn {config['gunicorn_workers']}x{config['gunicorn_threads']} (workers x threads, "
        f"{'sync' if config['gunicorn_threads'] == 1 else 'gthread'}), "
        f"{config['duration_s']:g} s per level; load average "
        f"{results['machine']['load_average_at_start'][0]:.1f} at start, "
        f"{results['machine'].get('load_average_at_end', ['?'])[0]} at end"
    )
    lines.append(
        "cpu ms per request: app/wait/db/load = gunicorn's CPU time, its run-queue wait (runnable,"
        " no free CPU), this machine's PostgreSQL CPU (0 if remote), the load generator's CPU"
    )
    titles = {
        "hot": "POST booking, one hot session (capacity 100, waitlist on)",
        "spread": f"POST booking, spread over {config['spread_sessions']:,} sessions",
    }
    for mode in results["convene"]:
        title = titles[mode]
        lines.append("")
        lines.append(title)
        lines.append(
            f"{'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'pgbench tps':>11} {'pg p50':>7} {'ratio':>6} {'cpu ms':>19}  statuses"
        )
        for row, pg in zip(results["convene"][mode], results["pgbench"][mode], strict=True):
            statuses = ", ".join(f"{k}: {v}" for k, v in row["statuses"].items())
            lines.append(
                f"{row['clients']:>7} {row['rps']:>8.1f} {row['p50_ms']:>8.1f} "
                f"{row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} {pg['tps']:>11.1f} "
                f"{pg['p50_ms']:>7.2f} {_ratio(row, pg):>6.1%} "
                f"{_cpu(row):>19}  {statuses}" + ("  [pgbench aborted]" if pg["aborted"] else "")
            )
    lines.append("")
    reads = results["reads"]
    cold = f"; first feed build {reads[0]['first_request_ms']:,.0f} ms" if reads else ""
    lines.append(
        f"Reads ({results['queries']['published_sessions']:,} published sessions{cold}, "
        "then served from the feed cache)"
    )
    lines.append(
        f"{'endpoint':<27} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses"
    )
    for row in reads:
        statuses = ", ".join(f"{k}: {v}" for k, v in row["statuses"].items())
        lines.append(
            f"{row['endpoint']:<27} {row['clients']:>7} {row['rps']:>8.1f} "
            f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}  {statuses}"
        )
    lines.append("")
    small, large = results["queries"]["small"], results["queries"]["large"]
    lines.append(
        "SQL queries per request: "
        + ", ".join(f"{name} {small[name]['queries']}/{large[name]['queries']}" for name in large)
        + " (few/1,000+ sessions); booking "
        + str(small.get("booking", {}).get("queries"))
    )
    lines.append("")
    lines.append("Targets")
    for name, check in results.get("targets", {}).items():
        verdict = "met " if check["met"] else "MISS"
        lines.append(f"  {verdict} {name}: {check['value']} (target {check['target']})")
    return "\n".join(lines)
