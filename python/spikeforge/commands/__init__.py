"""One module per CLI subcommand; registered by name in spikeforge.cli.COMMANDS."""
