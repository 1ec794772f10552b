"""The run report a person reads after a scheduled run: what came in and what became of it.

Pure text from the outcomes (no Prefect here), so it is tested directly; the flows publish it
as a markdown artifact next to a table artifact with one row per document.
"""

from __future__ import annotations

from collections.abc import Sequence

from customs_etl.core.models import Outcome, Status

# What a run can do to a document, in the order the summary lists them ("dropped" only when
# it happened).
STATUSES = (Status.LOADED, Status.UNCHANGED, Status.QUARANTINED, Status.DROPPED)


def _cell(text: object) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    found = {str(s): sum(o.status == s for o in outcomes) for s in STATUSES}
    return {s: n for s, n in found.items() if n or s != Status.DROPPED}


def render_run_report(
    kind: str,
    outcomes: Sequence[Outcome],
    notes: Sequence[str] = (),
    docs_link: str | None = None,
    run_name: str | None = None,
) -> str:
    """Markdown: summary, documents, validation failures with row counts, revisions, notes."""
    title = f"# customs-etl {kind}" + (f" — {run_name}" if run_name else "")
    summary = ", ".join(f"{n} {s}" for s, n in counts(outcomes).items())
    lines = [title, "", f"**{len(outcomes)} document(s) fetched or found:** {summary}.", ""]
    if outcomes:
        lines += [
            "## Documents",
            "",
            "| period | file | status | rows | warnings | revisions | seconds | source |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
        ]
        lines += [
            f"| {o.period} | {_cell(o.name)} | {o.status} | {o.rows} | {o.warnings} | "
            f"{o.revisions} | {o.seconds:.2f} | {_cell(o.url or '')} |"
            for o in outcomes
        ]
        lines.append("")
    checked = [o for o in outcomes if o.failed_checks or o.status == Status.QUARANTINED]
    lines += ["## Validation", ""]
    if not checked:
        lines.append("Every expectation passed for every document validated in this run.")
    for o in checked:
        lines.append(f"- **{_cell(o.name)}** ({o.status}): {_cell(o.message) or 'see checks'}")
        lines += [f"  - {_cell(check)}" for check in o.failed_checks]
    lines.append("")
    revised = [o for o in outcomes if o.revisions]
    lines += ["## Revisions", ""]
    if not revised:
        lines.append("No earlier figure was restated.")
    for o in revised:
        flagged = len(o.large_revisions)
        lines.append(f"- **{_cell(o.name)}** restates {o.revisions} figure(s), {flagged} large")
        lines += [f"  - ⚠ large: {_cell(r)}" for r in o.large_revisions]
    lines.append("")
    if notes:
        lines += ["## Notes", "", *[f"- {_cell(n)}" for n in notes], ""]
    if docs_link:
        lines += [f"Validation details: [Great Expectations Data Docs]({docs_link})", ""]
    return "\n".join(lines)
