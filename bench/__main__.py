"""``python -m bench eval|bench``: the same commands as ``portal eval`` / ``portal bench``."""

import click

from bench.cli import bench_command, eval_command


@click.group()
def main():
    """Search quality and speed measurements."""


main.add_command(eval_command)
main.add_command(bench_command)

if __name__ == "__main__":
    main()
