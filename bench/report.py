"""The compact table ``make bench`` prints, and the targets it checks."""

import math

HOT_TARGET_CLIENTS = 32
HOT_TARGET_RATIO = 0.35  # HTTP bookings a second against either limit, hot session, 32 clients
SQL_TARGET_RATIO = 0.7  # Convene's own booking SQL against the minimal job, the same level
TAIL_TARGET = 10.0
BOOKING_QUERY_BUDGET = 6  # authentication, BEGIN and COMMIT included, no Idempotency-Key


def _ratio(convene: dict, pgbench: dict) -> float:
    return convene["rps"] / pgbench["tps"] if pgbench.get("tps") else math.nan


def add_ratios(convene: dict, pgbench: dict, minimal: dict) -> None:
    """Write a level's three ratios into its Convene row (the JSON keeps them there):
    HTTP against Convene's SQL, HTTP against the minimal job, Convene's SQL against it."""
    convene["ratio_to_own_sql"] = round(_ratio(convene, pgbench), 4)
    convene["ratio_to_minimal_job"] = round(_ratio(convene, minimal), 4)
    own = pgbench["tps"] / minimal["tps"] if minimal.get("tps") else math.nan
    convene["own_sql_to_minimal_job"] = round(own, 4)


def _level(results: dict, mode: str, clients: int) -> dict | None:
    for row in results["convene"].get(mode, []):
        if row["clients"] == clients:
            return row
    return None


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
    checks = {}
    hot = _level(results, "hot", HOT_TARGET_CLIENTS)
    if hot is not None and "ratio_to_minimal_job" in hot:
        for name, key, target in [
            ("hot_ratio_at_32", "ratio_to_own_sql", HOT_TARGET_RATIO),
            ("hot_ratio_to_minimal_job_at_32", "ratio_to_minimal_job", HOT_TARGET_RATIO),
            ("own_sql_to_minimal_job_hot_at_32", "own_sql_to_minimal_job", SQL_TARGET_RATIO),
        ]:
            checks[name] = {
                "value": hot[key],
                "target": f">= {target}",
                "met": hot[key] >= target,
            }
        checks["own_sql_to_minimal_job_every_level"] = {
            "value": {
                f"{mode}@{row['clients']}": row["own_sql_to_minimal_job"]
                for mode in results["convene"]
                for row in results["convene"][mode]
            },
            "target": f">= {SQL_TARGET_RATIO} (informative: the target is hot at 32 clients)",
            "met": True,
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
    integrity = results["integrity"]
    problems = [
        *integrity["problems"],
        *integrity.get("pgbench", {}).get("problems", []),
        *integrity.get("minimal_job", {}).get("problems", []),
    ]
    checks["no_overbooking"] = {
        "value": problems,
        "target": f"none (HTTP at {', '.join(map(str, config.clients))} clients, both pgbench "
        "scripts)",
        "met": not problems,
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
    if "load_generator" in config:
        lines.append(f"load: {config['load_generator']}")
    protocols = config.get("pgbench_protocol", {})
    lines.append(
        "own SQL / minimal: pgbench transactions a second replaying Convene's booking SQL / the "
        "minimal whole job (lock, count, booking, outbox row, commit) at the same level "
        f"(protocol {protocols.get('own_sql', '?')} / {protocols.get('minimal_job', '?')})"
    )
    lines.append(
        "http/own, http/min: Convene's bookings a second over HTTP against each; own/min: the "
        "first limit against the second"
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
            f"{'clients':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
            f"{'own SQL':>8} {'minimal':>8} {'http/own':>8} {'http/min':>8} {'own/min':>7} "
            f"{'cpu ms':>19}  statuses"
        )
        minimal = results.get("minimal_job", {}).get(mode, [])
        for row, pg, least in zip(
            results["convene"][mode], results["pgbench"][mode], minimal, strict=True
        ):
            statuses = ", ".join(f"{k}: {v}" for k, v in row["statuses"].items())
            aborted = [name for name, r in (("own SQL", pg), ("minimal", least)) if r["aborted"]]
            lines.append(
                f"{row['clients']:>7} {row['rps']:>7.1f} {row['p50_ms']:>7.1f} "
                f"{row['p95_ms']:>7.1f} {row['p99_ms']:>7.1f} {pg['tps']:>8.1f} "
                f"{least['tps']:>8.1f} {row['ratio_to_own_sql']:>8.1%} "
                f"{row['ratio_to_minimal_job']:>8.1%} {row['own_sql_to_minimal_job']:>7.1%} "
                f"{_cpu(row):>19}  {statuses}"
                + (f"  [{', '.join(aborted)} aborted]" if aborted else "")
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
