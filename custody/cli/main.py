"""The command line: parses, calls the domain, prints. Errors become one line (exit 1)."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import peewee

from custody import config, settings
from custody.cli import table
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
            from custody.ledger.checkpoint import Keeper

            self._store = Store.open(self.cfg.db_url, create=create)
            self._store.checkpoints = Keeper(self.cfg.home)  # signed at every sweep record
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
        """`text` (an English message id, Chinese in custody/messages/zh/cli.po) in the reader's language;
        control characters in the values are shown as escapes (custody.cli.table.visible)."""
        shown = {k: table.visible(v) if isinstance(v, str) else v for k, v in params.items()}
        return Msg(text, shown).render(self.lang)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class OfficeTimeFormatter(logging.Formatter):
    """Log lines stamped in the office's time zone (`2026-12-01 15:52:07+0800`), like every time custody
    shows; `use(tz)` once the database's `timezone` setting is known (until then the machine's)."""

    tz: ZoneInfo | None = None

    @classmethod
    def use(cls, tz: ZoneInfo) -> None:
        cls.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return (
            datetime.fromtimestamp(record.created, self.tz)
            .astimezone(self.tz)
            .strftime("%Y-%m-%d %H:%M:%S%z")
        )


EXIT_BROKEN_PIPE = 141  # what a shell reports for a command whose reader went away (128 + SIGPIPE)

# the group's options that may also be written after the command (`custody out --lang en`);
# --home is not among them: `item receive --home` and `import --home` name a station
LIFTED_OPTIONS = ("--lang", "--db")
LIFTED_FLAGS = ("--debug",)
GROUP_OPTIONS_WITH_VALUE = ("--home", "--db", "--lang")


def lift_group_options(args: list[str]) -> list[str]:
    """Move `--lang X`, `--db URL` and `--debug` written after the command (up to `--`) in
    front of it, where the group parses them."""
    i = 0
    while i < len(args):  # find the command: the first word that is no group option or its value
        word = args[i]
        if word == "--":
            return args
        if word in GROUP_OPTIONS_WITH_VALUE:
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            break
    head, rest, lifted = args[: i + 1], [], []
    words = iter(args[i + 1 :])
    for word in words:
        if word == "--":
            rest += [word, *words]
            break
        name = word.split("=", 1)[0]
        if word in LIFTED_FLAGS:
            lifted.append(word)
        elif name in LIFTED_OPTIONS and "=" in word:
            lifted.append(word)
        elif word in LIFTED_OPTIONS:
            lifted += [word, next(words, "")]
        else:
            rest.append(word)
    return lifted + head + rest if lifted else args


def _quiet_broken_pipe() -> None:
    """The reader of our output went away (`custody item show CODE | head -1`): say nothing
    more, and let no flush at exit complain about it either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class CustodyGroup(click.Group):
    """Turns domain errors into one clear line and exit 1; tracebacks only with --debug.
    The group's --lang, --db and --debug may also follow the command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, lift_group_options(list(args)))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()
            ctx.exit(EXIT_BROKEN_PIPE)
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
    line = render(message, obj.lang if isinstance(obj, Ctx) else DEFAULT_LANG)
    click.echo(f"custody: {table.visible(line)}", err=True)
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
    root = logging.getLogger()
    if (
        not root.handlers
    ):  # the entry point's own handler; one already there (a host program's) is left as it is
        handler = logging.StreamHandler()
        handler.setFormatter(OfficeTimeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.DEBUG if debug else logging.WARNING)
    ctx.obj = Ctx(config.load(home=home, db=db_url, lang=lang, debug=debug))
    previous = table.show_controls_on_stdout()  # no name or title steers the terminal
    ctx.call_on_close(lambda: table.restore_stdout(previous))


@cli.command()
@click.pass_obj
def init(obj: Ctx) -> None:
    """Create the database, or upgrade it in place. Safe to run again.

    \b
    Example:
      custody --home /srv/custody init
    """
    from custody.ledger.checkpoint import Keeper
    from custody.store import migrations as schema

    config.tighten_home(obj.home)
    obj.store(create=True)
    click.echo(
        obj.t(
            "database ready (schema version {version}): {url}",
            version=schema.SCHEMA_VERSION,
            url=obj.cfg.db_url,
        )
    )
    keeper = Keeper(obj.home)
    if keeper.ensure_key():
        click.echo(obj.t("checkpoint signing key created: {path}", path=str(keeper.key_path)))


from custody.cli import closing as cli_closing  # noqa: E402  (commands register on `cli`)
from custody.cli import demo as cli_demo  # noqa: E402
from custody.cli import items as cli_items  # noqa: E402
from custody.cli import labels as cli_labels  # noqa: E402
from custody.cli import ledger as cli_ledger  # noqa: E402
from custody.cli import lifecycle as cli_lifecycle  # noqa: E402
from custody.cli import loans as cli_loans  # noqa: E402
from custody.cli import migrate as cli_migrate  # noqa: E402
from custody.cli import people as cli_people  # noqa: E402
from custody.cli import serve as cli_serve  # noqa: E402
from custody.cli import users as cli_users  # noqa: E402

cli_people.register(cli)
cli_items.register(cli)
cli_labels.register(cli)
cli_ledger.register(cli)
cli_serve.register(cli)
cli_closing.register(cli)
cli_demo.register(cli)
cli_lifecycle.register(cli)
cli_loans.register(cli)
cli_users.register(cli)
cli_migrate.register(cli)


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
    except BrokenPipeError:  # a closed pipe outside a command (click's own help or usage output)
        _quiet_broken_pipe()
        sys.exit(EXIT_BROKEN_PIPE)


__all__ = ["Ctx", "cli", "emit_json", "main"]
