"""``python -m bench eval|bench|inbound``: the same commands as ``portal eval`` /
``portal bench`` / ``portal bench-inbound``."""

import click

from bench.cli import bench_command, eval_command
from bench.inbound_worker_bench import inbound_command


@click.group()
def main():
    """Search quality and speed measurements."""


main.add_command(eval_command)
main.add_command(bench_command)
main.add_command(inbound_command)

if __name__ == "__main__":
    main()
