"""The run summary: per source counts and the stories flagged, as plain text and markdown."""
from __future__ import annotations

from sqlite_utils import Database

from store.queries import flagged_stories


def summary_lines(db: Database, counts: dict, run_id: int | None = None) -> list[str]:
    """Lines for the terminal and the run's markdown artifact; stories flagged by `run_id` only."""
    lines = ["Sources (new / duplicate / failed):"]
    for source, c in counts.get("sources", {}).items():
        if c.get("skipped"):
            lines.append(f"  {source:<28} skipped: {c['skipped']}")
            continue
        unchanged = "  (feed unchanged)" if c.get("unchanged") else ""
        lines.append(f"  {source:<28} {c['new']:>4} new {c['duplicate']:>4} duplicate {c['failed']:>4} failed"
                     f"{unchanged}")
        for error in c.get("errors", []):
            lines.append(f"    ! {error}")
    analysis = counts.get("analysis", {})
    for problem in analysis.get("company_list_problems", []):
        lines.append(f"  ! {problem}")
    lines.append(f"Analysed {analysis.get('analyzed', 0)} articles, flagged {analysis.get('flagged', 0)}.")
    stories = flagged_stories(db, run_id=run_id)
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


def summary_markdown(lines: list[str]) -> str:
    return "# rightsradar run\n\n```\n" + "\n".join(lines) + "\n```\n"
