"""CLI: the ledger's proof and the database's copies — verify, checkpoint, backup, restore."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import click

from custody.errors import CustodyError, LedgerBroken


def register(cli: click.Group) -> None:
    for command in (verify, checkpoint, backup, restore):
        cli.add_command(command)


def _keeper(obj):
    from custody.ledger.checkpoint import Keeper

    return Keeper(obj.home)


@click.command()
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="A signed checkpoint the ledger must extend (repeat for more).",
)
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Check signatures with this public key (PEM) instead of the home's key.",
)
@click.pass_obj
def verify(obj, checkpoints: tuple[str, ...], public_key_file: str | None) -> None:
    """Re-walk the ledger chain, rebuild every table from it and compare; exit 1 naming the first
    bad event, or the first table, row and column that differ from the ledger.
    With --checkpoint, also fail when the ledger does not extend each signed checkpoint
    (a truncated, rewritten or re-ordered history).

    \b
    Examples:
      custody verify
      custody verify --checkpoint checkpoint-000000412.json --public-key office.pub
    """
    from custody.ledger import checkpoint as cps
    from custody.ledger.verify import verify as run

    store = obj.store()
    read = [(path, cps.Checkpoint.read(Path(path))) for path in checkpoints]
    public = None
    if read:
        public = cps.load_public_key(Path(public_key_file)) if public_key_file else _keeper(obj).public_key()
    with store.reading():
        report = run(store)
        if report.ok:
            seq, digest = cps.head(store)
            problems = [(path, cps.extension_problem(store, cp)) for path, cp in read]
    if not report.ok and report.table is not None:  # a table differs from its replay: name the row's event
        raise LedgerBroken(
            "ledger check failed: {problem} (its event: #{seq})",
            problem=report.problem,
            seq=report.bad_seq if report.bad_seq else "—",
        )
    if not report.ok:
        where = f"#{report.bad_seq}: " if report.bad_seq else ""
        raise LedgerBroken("ledger check failed: event {where}{problem}", where=where, problem=report.problem)
    for (path, cp), (_, extends) in zip(read, problems, strict=True):
        problem = cps.signature_problem(cp, public) or extends
        if problem is not None:
            raise LedgerBroken(
                "checkpoint {path} (#{seq}) fails: {problem}", path=path, seq=cp.seq, problem=problem
            )
    click.echo(
        obj.t(
            "ledger intact: {events} events, {items} items, state matches the ledger",
            events=report.events,
            items=report.items,
        )
    )
    click.echo(obj.t("head: #{seq} {hash}", seq=seq, hash=digest))
    compared = ", ".join(f"{table} {n}" for table, n in report.counts.items())
    click.echo(obj.t("rebuilt from the ledger and compared: {tables}", tables=compared))
    for token in report.unprovable:
        click.echo(
            obj.t(
                "note: device token {token} is from before schema step 4: the ledger keeps no hash of it "
                "(revoke it and add a new one to have it proven)",
                token=token,
            )
        )
    for path, cp in read:
        click.echo(
            obj.t("checkpoint {path} (#{seq}): signed, and the ledger extends it", path=path, seq=cp.seq)
        )


@click.command()
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Also write the checkpoint to FILE.")
@click.option(
    "--public-key", "show_key", is_flag=True, help="Print the signing key's public half (PEM) and stop."
)
@click.pass_obj
def checkpoint(obj, out_file: str | None, show_key: bool) -> None:
    """Sign a checkpoint of the ledger head (sequence, hash, time), kept under the home's
    checkpoints/ and written to FILE: keep a copy off this machine, and check the ledger
    against it later with `custody verify --checkpoint FILE`.

    \b
    Examples:
      custody checkpoint --out /media/usb/checkpoint.json
      custody checkpoint --public-key > office.pub
    """
    from custody.ledger import checkpoint as cps

    keeper = _keeper(obj)
    if show_key:
        click.echo(cps.public_pem(keeper.public_key()), nl=False)
        return
    keeper.ensure_key()
    cp, kept = keeper.checkpoint(obj.store(), Path(out_file) if out_file else None)
    click.echo(obj.t("checkpoint of #{seq} {hash} signed: {path}", seq=cp.seq, hash=cp.hash, path=str(kept)))
    if out_file:
        click.echo(obj.t("written to {path}", path=out_file))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
def backup(obj, file: str) -> None:
    """A consistent copy of the database, taken while the service runs (mode 0600).

    \b
    Example:
      custody backup /var/backups/custody-$(date +%F).db
    """
    from custody.store.backup import backup as copy

    copy(obj.store(), Path(file))
    click.echo(obj.t("backed up to {path}", path=file))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.pass_obj
def restore(obj, file: str) -> None:
    """Check a copy of the database (the full verify) and put it in place of the home's
    database; the old one is kept aside as custody.db.before-restore-<time>. A copy that
    does not verify is refused and nothing changes. Stop the service first.

    \b
    Example:
      custody restore /var/backups/custody-2026-11-30.db
    """
    from datetime import datetime

    from custody.ledger.verify import verify as run
    from custody.store import backup as copies

    parsed = urlparse(obj.cfg.db_url)
    if parsed.scheme.lower() != "sqlite":
        raise CustodyError("restore PostgreSQL with pg_restore, e.g. pg_restore -d DBNAME custody.dump")

    def check(store):
        report = run(store)
        where = f"#{report.bad_seq}: " if report.bad_seq else ""
        return report.ok, f"{where}{report.problem}", report.events, report.items

    db_path = Path("/" + unquote(parsed.path).lstrip("/"))  # sqlite:////abs/path has the path //abs/path
    done = copies.restore(db_path, Path(file), datetime.now(), check)
    click.echo(
        obj.t(
            "restored {path}: {events} events, {items} items verified",
            path=file,
            events=done.events,
            items=done.items,
        )
    )
    if done.kept_as is not None:
        click.echo(obj.t("the old database is kept as {path}", path=str(done.kept_as)))
