"""Tables from rows of dicts: aligned plain text for terminals, pipe tables for Markdown reports."""

from __future__ import annotations

from typing import Any


def format_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Plain-text table with right-aligned columns."""
    cells = [[_fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [
        max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)
    ]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def markdown_table(rows: list[dict[str, Any]], columns: list[str], *, align: str | None = None) -> str:
    """A Markdown pipe table; ``align`` holds one of l, r per column (default: all left)."""
    marks = {"l": "---", "r": "---:"}
    rule = [marks[a] for a in align] if align else ["---"] * len(columns)
    if len(rule) != len(columns):
        raise ValueError(f"align gives {len(rule)} columns, the table has {len(columns)}")
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(_fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
