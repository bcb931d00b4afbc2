"""The benchmark's results as Markdown tables: per data set, then side by side."""

from collections import defaultdict


def _n(value, digits=0) -> str:
    if value is None:
        return "–"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header, rows) -> list[str]:
    align = ["---"] + ["--:"] * (len(header) - 1)
    return [_row(header), _row(align), *(_row(r) for r in rows), ""]


def _readers(result) -> list[str]:
    header = [
        "page", "rps", "× ceiling", "p50 ms", "p99 ms", "CPU ms/req", "DB CPU ms/req",
        "queries", "bytes", "non-2xx", "server ms", "p50 ms @1 conn",
    ]  # fmt: skip
    rows = []
    for page in result["pages"]:
        load = page.get("load", {})
        status = page.get("served_status", page["status"])
        bad = load.get("non_2xx", 0) + load.get("errors", 0)
        rows.append(
            [
                page["name"] + ("" if status == 200 else f" (HTTP {status})"),
                _n(load.get("rps")),
                f"{load['ratio']:.3f}×" if load else "–",
                _n(load.get("p50_ms"), 1),
                _n(load.get("p99_ms"), 1),
                _n(load.get("cpu_ms"), 1),
                _n(load.get("db_cpu_ms"), 1),
                page["queries"],
                _n(page["bytes"]),
                bad if load else "–",
                _n(page["server_ms"], 1),
                _n(page.get("c1_p50_ms"), 1),
            ]
        )
    return _table(header, rows)


def _backlog(result) -> list[str]:
    slow = [
        f"{p['name']} {p['load']['backlog_s']:.0f} s"
        for p in result["pages"]
        if p.get("load", {}).get("backlog_s", 0) >= 2
    ]
    if not slow:
        return []
    return [
        "Workers still busy after wrk stopped, serving requests it had queued (the harness "
        "waits for them before the next run): " + ", ".join(slow) + ".",
        "",
    ]


def _sections(result) -> list[str]:
    sections = result.get("sitemap_sections")
    if not sections:
        return []
    worst = max(sections, key=lambda s: s["server_ms"])
    return [
        f"Sitemap sections listed by the index: {len(sections)}; slowest "
        f"`{worst['path']}` {worst['server_ms']:.1f} ms server time, {worst['queries']} "
        f"queries, {worst['bytes']:,} bytes.",
        "",
    ]


def _ceiling(result) -> str:
    ceilings = [p["load"]["ceiling_rps"] for p in result["pages"] if p.get("load")]
    if not ceilings:
        return ""
    return f"Ceiling (trivial view, same gunicorn): {min(ceilings):,.0f}–{max(ceilings):,.0f} rps."


def _admin(results_by_size) -> list[str]:
    sizes = sorted(results_by_size)
    header = ["page"]
    for size in sizes:
        header += [f"server ms @{size:,}", f"queries @{size:,}", f"bytes @{size:,}"]
    names = {}
    for size in sizes:
        for page in results_by_size[size]:
            names.setdefault(page["key"], page["name"])
    rows = []
    for key, name in names.items():
        row = [name]
        for size in sizes:
            page = next((p for p in results_by_size[size] if p["key"] == key), None)
            if page is None:
                row += ["–"] * 3
                continue
            status = "" if page["status"] == 200 else f" (HTTP {page['status']})"
            row += [_n(page["server_ms"], 1) + status, page["queries"], _n(page["bytes"])]
        rows.append(row)
    return _table(header, rows)


def _flatness(uncached: dict) -> list[str]:
    """Each page's cost at the largest size over the smallest."""
    sizes = sorted(uncached)
    small, large = sizes[0], sizes[-1]
    header = [
        "page", f"CPU ms/req @{small:,}", f"@{large:,}", "ratio",
        f"server ms @{small:,}", f"@{large:,}", "ratio", f"queries @{small:,}", f"@{large:,}",
    ]  # fmt: skip
    rows = []
    large_pages = {p["key"]: p for p in uncached[large]["pages"]}
    for page in uncached[small]["pages"]:
        other = large_pages.get(page["key"])
        if other is None:
            continue
        cpu_a = page.get("load", {}).get("cpu_ms")
        cpu_b = other.get("load", {}).get("cpu_ms")
        rows.append(
            [
                page["key"],
                _n(cpu_a, 1),
                _n(cpu_b, 1),
                f"{cpu_b / cpu_a:.2f}×" if cpu_a and cpu_b else "–",
                _n(page["server_ms"], 1),
                _n(other["server_ms"], 1),
                f"{other['server_ms'] / page['server_ms']:.2f}×",
                page["queries"],
                other["queries"],
            ]
        )
    return _table(header, rows)


def _rss(results) -> list[str]:
    rows = []
    for r in results:
        before, after = r.get("rss_before"), r.get("rss_after")
        if before and after:
            rows.append(
                [
                    f"{r['size']:,}",
                    r["mode"],
                    after["workers"],
                    f"{before['sum_mb']:.1f} → {after['sum_mb']:.1f}",
                    f"{before['max_mb']:.1f} → {after['max_mb']:.1f}",
                ]
            )
    if not rows:
        return []
    header = ["stories", "run", "workers", "RSS sum MB, before → after", "max per worker MB"]
    return ["### Worker RSS", "", *_table(header, rows)]


def _slow_sql(results, threshold_ms=20.0) -> list[str]:
    lines = []
    for r in results:
        if r["mode"] != "uncached":
            continue
        for page in r["pages"] + r["admin"]:
            if page.get("slowest_sql_ms", 0) >= threshold_ms:
                sql = " ".join(page["slowest_sql"].split())
                sql = sql if len(sql) <= 400 else sql[:400] + " …"
                lines.append(
                    f"- {r['size']:,} stories, {page['name']}: {page['slowest_sql_ms']:.0f} ms "
                    f"(of {page['query_ms']:.0f} ms in {page['queries']} queries): `{sql}`"
                )
    if not lines:
        return []
    return [
        f"### Slowest query of each page where one took {threshold_ms:.0f} ms or more",
        "",
        *lines,
        "",
    ]


def _soak(soak) -> list[str]:
    samples = soak["samples"]
    rows = []
    for s in samples:
        rows.append(
            [
                s["t"],
                _n(s["sum_mb"], 1),
                _n(s["max_mb"], 1),
                _n(s.get("rps"), 1),
                _n(s.get("p99_ms"), 1),
                (s.get("non_2xx", 0) + s.get("errors", 0)) if "rps" in s else "–",
            ]
        )
    first = next((s for s in samples if s["t"] > 0), samples[0])
    last = samples[-1]
    growth = (last["sum_mb"] - first["sum_mb"]) / first["sum_mb"] * 100 if first["sum_mb"] else 0
    header = ["t s", "RSS sum MB", "max per worker MB", "rps", "p99 ms", "non-2xx"]
    return [
        f"### Soak: {soak['seconds']} s at {soak['size']:,} stories ({soak['mode']})",
        "",
        *_table(header, rows),
        f"Worker RSS from t={first['t']} s to the end: {growth:+.1f}% (sum); largest worker "
        f"{max(s['max_mb'] for s in samples):.1f} MB.",
        "",
    ]


def markdown(meta: dict, prepared: dict, results: list[dict], soak=None) -> str:
    lines = ["# Benchmark results", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items()]
    lines.append("")
    by_mode = defaultdict(dict)
    for r in results:
        by_mode[r["mode"]][r["size"]] = r
    for size in sorted({r["size"] for r in results}):
        info = prepared.get(size, {})
        counts = info.get("counts", {})
        built = (
            f"built in {info['build_seconds']:.0f} s this run"
            if info.get("built_now")
            else f"kept from an earlier run (built in {info.get('build_seconds', 0):.0f} s)"
        )
        lines += [
            f"## {size:,} published stories",
            "",
            f"Data set {built}: {counts.get('Story', 0):,} stories in all, "
            f"{counts.get('Source', 0):,} sources, {counts.get('Outlet', 0):,} outlets, "
            f"{counts.get('Citation', 0):,} citations.",
            "",
        ]
        for mode, sized in by_mode.items():
            r = sized.get(size)
            if r is None:
                continue
            lines += [f"### Readers, {mode}", "", _ceiling(r), ""]
            lines += [*_readers(r), *_backlog(r), *_sections(r)]
    uncached = by_mode.get("uncached", {})
    if len(uncached) > 1:
        lines += ["## Flatness (uncached): the largest data set over the smallest", ""]
        lines += _flatness(uncached)
    admin = {size: r["admin"] for size, r in uncached.items() if r["admin"]}
    if admin:
        lines += ["## Admin (superuser, in-process, median of 3)", "", *_admin(admin)]
    lines += _rss(results)
    if soak:
        lines += _soak(soak)
    lines += _slow_sql(results)
    return "\n".join(lines).rstrip() + "\n"
