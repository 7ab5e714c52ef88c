"""The command line: parses, calls the domain, prints. Errors become one line (exit 1)."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import peewee

from custody import config, settings
from custody.errors import CustodyError, InvalidInput
from custody.messages import DEFAULT_LANG, Msg, lang_of, render
from custody.store.core import Store


class Ctx:
    """What every command shares: the configuration, a lazily opened store and the reader's language."""

    def __init__(self, cfg: config.Config) -> None:
        self.cfg = cfg
        self._store: Store | None = None
        self._lang: str | None = cfg.lang

    def store(self, create: bool = False) -> Store:
        if self._store is None:
            self._store = Store.open(self.cfg.db_url, create=create)
        return self._store

    def use(self, store: Store) -> Store:
        """Make `store` this command's store (closed by the CLI group)."""
        self._store = store
        return store

    def reopen(self) -> Store:
        """A Store of its own for this process (a forked worker must not use its parent's connections)."""
        self._store = None
        return self.store()

    @property
    def lang(self) -> str:
        """--lang / CUSTODY_LANG, else the database's `language` setting (zh when there is none yet)."""
        if self._lang is None:
            try:
                self._lang = lang_of(settings.get(self.store(), "language"))
            except Exception:  # no database yet, or it cannot be read: the error is shown in Chinese
                return DEFAULT_LANG
        return self._lang

    @property
    def actor(self) -> str:
        return self.cfg.actor

    @property
    def home(self) -> Path:
        return self.cfg.home

    def start_local_service(self, station_name: str) -> tuple[str, str, Any]:
        """For `custody emulate` without --server: the service for this home on a free port."""
        from custody.cli.serve import start_local_service

        return start_local_service(self.store(), station_name, actor=self.actor)

    def tz(self) -> ZoneInfo:
        return ZoneInfo(settings.get(self.store(), "timezone"))

    def t(self, text: str, **params: Any) -> str:
        """`text` (an English message id, Chinese in custody/messages/zh/cli.po) in the reader's language."""
        return Msg(text, params).render(self.lang)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class CustodyGroup(click.Group):
    """Turns domain errors into one clear line and exit 1; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CustodyError as exc:
            _fail(exc.msg, ctx, exc.exit_code)
        except peewee.PeeweeException as exc:
            _fail(Msg("database error: {error}", {"error": str(exc)}), ctx, 1)
        except OSError as exc:
            _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), ctx, 1)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # last line of defence: no traceback reaches a user
            error = f"{type(exc).__name__}: {exc}"
            _fail(Msg("internal error: {error} (--debug for details)", {"error": error}), ctx, 1)
        finally:
            if isinstance(ctx.obj, Ctx):
                ctx.obj.close()


def _fail(message: Msg | str, ctx: click.Context, code: int) -> None:
    """One line on stderr, in the reader's language (Chinese when even that cannot be known)."""
    obj = ctx.obj
    if isinstance(obj, Ctx) and obj.cfg.debug:
        traceback.print_exc()
    click.echo(f"custody: {render(message, obj.lang if isinstance(obj, Ctx) else DEFAULT_LANG)}", err=True)
    ctx.exit(code)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@click.group(cls=CustodyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False), help="Data directory (env CUSTODY_HOME).")
@click.option("--db", "db_url", help="Database URL: sqlite:///path or postgresql://… (env CUSTODY_DB).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of messages (env CUSTODY_LANG).")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="custody")
@click.pass_context
def cli(ctx: click.Context, home: str | None, db_url: str | None, lang: str | None, debug: bool) -> None:
    """custody — chain-of-custody for classified documents, seals and media (涉密载体管理).

    \b
    Example, a first session:
      custody init
      custody station add 保密室 --kind safe
      custody person add 张三 --badge B001 --clearance secret
      custody item receive --title 年度工作要点 --level 机密 --copies 3 --period 10y
      custody out
    """
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = Ctx(config.load(home=home, db=db_url, lang=lang, debug=debug))


@cli.command()
@click.pass_obj
def init(obj: Ctx) -> None:
    """Create the database, or upgrade it in place. Safe to run again.

    \b
    Example:
      custody --home /srv/custody init
    """
    from custody.store import migrations as schema

    obj.store(create=True)
    click.echo(
        obj.t(
            "database ready (schema version {version}): {url}",
            version=schema.SCHEMA_VERSION,
            url=obj.cfg.db_url,
        )
    )


from custody.cli import closing as cli_closing  # noqa: E402  (commands register on `cli`)
from custody.cli import demo as cli_demo  # noqa: E402
from custody.cli import items as cli_items  # noqa: E402
from custody.cli import labels as cli_labels  # noqa: E402
from custody.cli import people as cli_people  # noqa: E402
from custody.cli import serve as cli_serve  # noqa: E402

cli_people.register(cli)
cli_items.register(cli)
cli_labels.register(cli)
cli_serve.register(cli)
cli_closing.register(cli)
cli_demo.register(cli)


def _register_devices() -> None:
    from devices.cli import agent_command, emulate_command

    cli.add_command(agent_command)
    cli.add_command(emulate_command)


_register_devices()


def parse_when(value: str, tz: ZoneInfo) -> datetime:
    """A date-time from the command line; a naive one is in the office's time zone."""
    try:
        when = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        raise InvalidInput(
            "time {value!r} is invalid: use ISO 8601, e.g. 2026-11-30T17:30", value=value
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=tz)


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("date {value!r} is invalid: use YYYY-MM-DD", value=value) from None


def write_json_file(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="custody")
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["Ctx", "cli", "emit_json", "main"]
