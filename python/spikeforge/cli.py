"""The `spikeforge` command line: a lazy registry of subcommands, so `--help` imports no torch.

Each subcommand lives in its own module under ``spikeforge.commands`` (or a stage package) and is
imported only when invoked. User errors print one line on stderr and exit with status 2; `--debug`
shows the traceback instead.
"""

from __future__ import annotations

import importlib
import sys

import click

from spikeforge import __version__

# name -> "module:attribute" of a click.Command; one line per command (hls4ml-style registry).
COMMANDS: dict[str, str] = {
    "boards": "spikeforge.commands.boards:boards",
    "compress": "spikeforge.commands.compress:compress",
    "estimate": "spikeforge.commands.estimate:estimate",
    "calibrate": "spikeforge.commands.calibrate:calibrate",
    "info": "spikeforge.commands.info:info",
    "simulate": "spikeforge.commands.simulate:simulate",
    "demo": "spikeforge.commands.demo:demo",
    "flow": "spikeforge.commands.flow:flow",
    "generate": "spikeforge.commands.generate:generate",
    "train": "spikeforge.commands.train:train",
    "import-nir": "spikeforge.commands.import_nir:import_nir",
    "export-nir": "spikeforge.commands.export_nir:export_nir",
    "package": "spikeforge.commands.package:package",
    "deploy": "spikeforge.commands.deploy:deploy",
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use (pattern from the click docs)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spikeforge")
@click.option("--debug", is_flag=True, help="Show the full traceback of errors.")
def cli(debug: bool) -> None:
    """Spiking neural networks from PyTorch to Xilinx FPGAs, verified in simulation."""


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the CLI, turning user errors into one line and exit status 2."""
    from spikeforge.errors import SpikeforgeError

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:  # the help as it is, not flattened into an error line
        with click.Context(cli, info_name="spikeforge") as ctx:
            click.echo(cli.get_help(ctx))
        return 0
    end = args.index("--") if "--" in args else len(args)
    debug = "--debug" in args[:end]
    if debug:  # accepted anywhere before "--", as a global option
        args = ["--debug"] + [a for a in args[:end] if a != "--debug"] + args[end:]
    try:
        result = cli.main(args=args, prog_name="spikeforge", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("spikeforge: aborted", err=True)
        return 130
    except (click.ClickException, SpikeforgeError) as exc:
        if debug:
            raise
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            click.echo(ctx.get_help())  # a group without its subcommand: its help, as it is
            return 0
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        click.echo(f"spikeforge: error: {' '.join(message.split())}", err=True)
        return 2
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
