"""Writing a report: report.json (machine), report.md (human) and its PNG figures, side by side.

Figures come from ``new_figure`` (matplotlib's Agg backend, no display needed); ``write_report`` saves
each figure, then the JSON, then the Markdown, every file through a temp file and a rename.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from spikeforge.atomic import atomic_write, atomic_write_json, atomic_write_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure
else:
    Figure = Any

DPI = 110


def new_figure(rows: int = 1, cols: int = 1, *, size: tuple[float, float] = (6.0, 3.5), **kwargs: Any):
    """``(figure, axes)`` of a new off-screen matplotlib figure (``plt.subplots`` arguments)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(rows, cols, figsize=size, **kwargs)


def save_figure(fig: Figure, path: Path) -> str:
    """Save ``fig`` as PNG at ``path`` (atomically), close it, and return the file name."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))
    plt.close(fig)
    return path.name


def write_report(
    out_dir: Path,
    report: dict[str, Any],
    markdown: str,
    figures: dict[str, tuple[str, Figure]] | None = None,
    *,
    name: str = "report",
) -> dict[str, str]:
    """Write ``figures`` ({key: (file name, figure)}), ``name``.json and ``name``.md into ``out_dir``.

    Returns {key: file name} for the figures plus "report" and "markdown".
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {key: save_figure(fig, out_dir / file) for key, (file, fig) in (figures or {}).items()}
    atomic_write_json(out_dir / f"{name}.json", report)
    atomic_write_text(out_dir / f"{name}.md", markdown if markdown.endswith("\n") else markdown + "\n")
    return files | {"report": f"{name}.json", "markdown": f"{name}.md"}
