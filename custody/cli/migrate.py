"""CLI: `custody migrate-db --to URL`, the whole database copied to another one and verified there."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from custody.cli.main import Ctx
    from custody.store.core import Store


def register(cli: click.Group) -> None:
    cli.add_command(migrate_db)


@click.command("migrate-db")
@click.option("--to", "target", required=True, metavar="URL", help="The empty database to copy into.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows copied per table as JSON.")
@click.pass_obj
def migrate_db(obj: Ctx, target: str, as_json: bool) -> None:
    """Copy every table of this database into an empty one (PostgreSQL, or another SQLite
    file), in one transaction, and verify the copy there before committing it (the ledger
    walk and the state check of `custody verify`, and the row count of every table). A target
    that holds anything is refused. Stop the service first, then point CUSTODY_DB (or --db)
    at the new database.

    \b
    Example:
      createdb custody
      custody migrate-db --to postgresql://custody@127.0.0.1:5432/custody
      CUSTODY_DB=postgresql://custody@127.0.0.1:5432/custody custody verify
    """
    from custody.ledger.verify import verify as run
    from custody.store.transfer import redacted, transfer

    def check(store: Store) -> tuple[bool, str]:
        report = run(store)
        where = f"#{report.bad_seq}: " if report.bad_seq else ""
        return report.ok, f"{where}{report.problem}"

    done = transfer(obj.store(), target, check)
    if as_json:
        shown = {"to": redacted(target), "events": done.events, "rows": done.rows}
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    click.echo(
        obj.t(
            "copied {rows} rows of {tables} tables ({events} events) to {url}; verified there",
            rows=done.total,
            tables=len(done.rows),
            events=done.events,
            url=redacted(target),
        )
    )
