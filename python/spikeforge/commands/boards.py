"""`spikeforge boards`: the board catalog (what `--board` accepts), with each device's resources."""

from __future__ import annotations

import click


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as JSON.")
def boards(as_json: bool) -> None:
    """List the boards that --board accepts: device, LUT, FF, BRAM18, URAM, DSP, default clock."""
    from spikeforge.boards import RESOURCES, catalog
    from spikeforge.commands.common import print_json
    from spikeforge.report import format_table

    entries = [board.as_dict() for board in catalog().values()]
    if as_json:
        print_json(entries)
        return
    rows = [
        {
            "board": e["key"],
            "name": e["name"],
            "part": e["part"],
            **{r: e[r] for r in RESOURCES},
            "clock MHz": e["default_clock_mhz"],
        }
        for e in entries
    ]
    click.echo(format_table(rows, list(rows[0])))
    limits = entries[0]["limits"]
    click.echo(
        "a design fits when it uses at most "
        + ", ".join(f"{100 * v:g}% {k}" for k, v in limits.items())
        + " (timing-closure headroom)"
    )
