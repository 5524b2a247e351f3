"""Reports of every stage: plain-text and Markdown tables, matplotlib figures, and the JSON + Markdown +
PNG files written side by side into an output folder (atomically)."""

from spikeforge.report.tables import format_table, markdown_table
from spikeforge.report.write import Figure, new_figure, write_report

__all__ = ["Figure", "format_table", "markdown_table", "new_figure", "write_report"]
