"""The run summary: per source counts, failing sources, per family flags and the stories flagged,
as plain text and markdown."""
from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from store.queries import flagged_stories


def summary_lines(db: Database, counts: dict, run_id: int | None = None) -> list[str]:
    """Lines for the terminal and the run's markdown artifact; stories flagged by `run_id` only."""
    lines = []
    if "window" in counts:
        lines.append(f"Backfill of articles published {counts['window']['since']} to {counts['window']['until']}")
    if "sources" in counts:
        lines += source_lines(counts["sources"])
    analysis = counts.get("analysis", {})
    for problem in analysis.get("company_list_problems", []):
        lines.append(f"  ! {problem}")
    line = f"Analysed {analysis.get('analyzed', 0)} articles, flagged {analysis.get('flagged', 0)}."
    if counts.get("flow") == "reprocess":
        line += (f" Rewritten: {analysis.get('changed', 0) + analysis.get('new', 0)}, unchanged: "
                 f"{analysis.get('unchanged', 0)}; stories rescored: {counts.get('rescored', 0)}.")
    lines.append(line)
    if analysis.get("families"):
        lines.append("Flagged per issue family: " + ", ".join(
            f"{family} {n}" for family, n in sorted(analysis["families"].items(), key=lambda kv: (-kv[1], kv[0]))))
    failing = failing_sources(counts)
    if failing:
        lines.append(f"Failing sources ({len(failing)}):")
        lines += [f"  {line}" for line in failing]
    stories = flagged_stories(db, run_id=run_id) if run_id is not None else []
    if stories:
        lines.append("Flagged stories:")
    names = dict(db.execute("select id, name from companies").fetchall())
    for story in stories:
        firms = ", ".join(names.get(firm_id, firm_id) for firm_id in story["company_ids"]) or "-"
        lines.append(f"  [{story['score']:.2f}] {story['title']}")
        lines.append(f"      firms: {firms}")
        lines.append(f"      issues: {'; '.join(sorted({i['tag'] for i in story['issues']}))}")
        lines.append(f"      why: {story['reason']}")
    return lines


def source_lines(per_source: dict) -> list[str]:
    lines = ["Sources (new / duplicate / failed):"]
    for source, c in per_source.items():
        if c.get("skipped"):
            lines.append(f"  {source:<28} skipped: {c['skipped']}")
            continue
        unchanged = "  (feed unchanged)" if c.get("unchanged") else ""
        lines.append(f"  {source:<28} {c['new']:>4} new {c['duplicate']:>4} duplicate {c['failed']:>4} failed"
                     f"{unchanged}")
        for error in c.get("errors", []):
            lines.append(f"    ! {error}")
    return lines


def failing_sources(counts: dict) -> list[str]:
    """One line per source that failed in this run: which, and why (its first error)."""
    lines = []
    for source, c in counts.get("sources", {}).items():
        if not c.get("failed"):
            continue
        errors = c.get("errors") or ["(no message)"]
        more = c["failed"] - 1
        lines.append(f"{source}: {errors[0]}" + (f" (and {more} more failure{'s' if more > 1 else ''})" if more else ""))
    return lines


def summary_markdown(lines: list[str], flow: str = "daily") -> str:
    return f"# rightsradar {flow} run\n\n```\n" + "\n".join(lines) + "\n```\n"


def run_lines(run: dict) -> list[str]:
    """A stored run (store.runs.recent_runs) for `rightsradar runs`: one heading line, then each
    failing source with why, one line each, and the error or progress."""
    counts = run.get("counts") or {}
    per_source = counts.get("sources", {})
    totals = {key: sum(c.get(key, 0) for c in per_source.values()) for key in ("polled", "new", "duplicate", "failed")}
    analysis = counts.get("analysis", {})
    head = (f"#{run['id']:<4} {run['flow']:<9} {run['status']:<9} {run.get('started') or '-':<25} "
            f"{_duration(run.get('started'), run.get('finished')):>7}")
    if per_source:
        head += (f"  sources {len(per_source)} (polled {totals['polled']}), new {totals['new']}, "
                 f"duplicate {totals['duplicate']}, failed {totals['failed']}")
    if analysis:
        head += f"; analysed {analysis.get('analyzed', 0)}, flagged {analysis.get('flagged', 0)}"
        if run["flow"] == "reprocess":
            head += f", rewritten {analysis.get('new', 0) + analysis.get('changed', 0)}"
    lines = [head]
    if analysis.get("families"):
        lines.append("      flagged per family: " + ", ".join(f"{f} {n}" for f, n in sorted(analysis["families"].items())))
    lines += [f"      ! {line}" for line in failing_sources(counts)]
    if run.get("error"):
        lines.append(f"      error: {run['error']}")
    if run["status"] == "running" and run.get("progress"):
        lines.append(f"      progress: {run['progress']}")
    return lines


def _duration(started: str | None, finished: str | None) -> str:
    if not started or not finished:
        return "-"
    seconds = int((datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds())
    return f"{seconds // 60}m{seconds % 60:02d}s"
