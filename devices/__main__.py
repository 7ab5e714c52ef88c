"""`python -m devices agent|emulate …`: the scanner commands without the main CLI.

For machines that run only an agent, and for tests; `custody agent` and
`custody emulate` are the same commands.
"""

from __future__ import annotations

import sys

import click

from custody.errors import CustodyError
from devices.cli import agent_command, emulate_command


@click.group()
def main() -> None:
    """custody scanner agent and emulated scanner."""


main.add_command(agent_command)
main.add_command(emulate_command)


def run() -> None:
    try:
        main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        sys.exit(1)
    except CustodyError as exc:
        print(exc.message("zh"), file=sys.stderr)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    run()
