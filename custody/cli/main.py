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
from custody.actions import core as actions
from custody.cli import table
from custody.errors import CustodyError, InvalidInput
from custody.reports import lookup, shapes
from custody.store.core import Store


class Ctx:
    """What every command shares: the configuration and a lazily opened store."""

    def __init__(self, cfg: config.Config) -> None:
        self.cfg = cfg
        self._store: Store | None = None

    def store(self, create: bool = False) -> Store:
        if self._store is None:
            self._store = Store.open(self.cfg.db_url, lang=self.cfg.lang, create=create)
        return self._store

    def reopen(self) -> Store:
        """A Store of its own for this process (a forked worker must not use its parent's connections)."""
        self._store = None
        return self.store()

    @property
    def lang(self) -> str:
        if self._store is not None:
            return self._store.lang
        return self.cfg.lang or "zh"

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

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class CustodyGroup(click.Group):
    """Turns domain errors into one clear line and exit 1; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CustodyError as exc:
            obj = ctx.obj
            _fail(exc.message(obj.lang if isinstance(obj, Ctx) else "zh"), ctx, exc.exit_code)
        except peewee.PeeweeException as exc:
            _fail(f"数据库错误 / database error: {exc}", ctx, 1)
        except OSError as exc:
            _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), ctx, 1)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # last line of defence: no traceback reaches a user
            _fail(f"内部错误 / internal error: {type(exc).__name__}: {exc} (--debug for details)", ctx, 1)
        finally:
            if isinstance(ctx.obj, Ctx):
                ctx.obj.close()


def _fail(message: str, ctx: click.Context, code: int) -> None:
    if isinstance(ctx.obj, Ctx) and ctx.obj.cfg.debug:
        traceback.print_exc()
    click.echo(f"custody: {message}", err=True)
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

    store = Store.open(obj.cfg.db_url, lang=obj.cfg.lang or "zh", create=True)
    obj._store = store
    click.echo(
        obj.t(
            f"数据库已就绪（结构版本 {schema.SCHEMA_VERSION}）：{obj.cfg.db_url}",
            f"database ready (schema version {schema.SCHEMA_VERSION}): {obj.cfg.db_url}",
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
            f"时间“{value}”无效：应为 ISO 8601，如 2026-11-30T17:30",
            f"time {value!r} is invalid: use ISO 8601, e.g. 2026-11-30T17:30",
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=tz)


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"日期“{value}”无效：应为 YYYY-MM-DD", f"date {value!r} is invalid: use YYYY-MM-DD"
        ) from None


def write_json_file(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="custody")
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["Ctx", "actions", "cli", "emit_json", "lookup", "main", "shapes", "table"]
