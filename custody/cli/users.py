"""CLI: logins for the web pages (`custody user add / list / passwd / deactivate`)."""

from __future__ import annotations

import sys

import click

from custody import vocab
from custody.actions import users as user_actions
from custody.cli import table
from custody.errors import InvalidInput
from custody.reports import shapes


def register(cli: click.Group) -> None:
    cli.add_command(user)


@click.group()
def user() -> None:
    """Logins for the web pages (用户): a role, a password, tied to a person or not."""


def _password(obj, from_stdin: bool) -> str:
    """The new password: the first line of stdin, or typed twice at a prompt (never echoed)."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InvalidInput("--password-stdin: nothing was read from stdin")
        return line.rstrip("\r\n")
    return str(click.prompt(obj.t("password"), hide_input=True, confirmation_prompt=True))


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, help="staff, custodian, leader or admin (or 中文).")
@click.option("--person", "badge", metavar="BADGE", help="The badge of the person this user is.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--json", "as_json", is_flag=True, help="Print the user as JSON.")
@click.pass_obj
def user_add(obj, name: str, role: str, badge: str | None, password_stdin: bool, as_json: bool) -> None:
    """Add a login for the web pages; the password is asked twice (or read with --password-stdin).

    \b
    Example, the first admin:
      custody user add admin --role admin
      printf '%s\\n' "$PASSWORD" | custody user add zhang --role custodian --person C001 --password-stdin
    """
    password = _password(obj, password_stdin)
    store = obj.store()
    u = user_actions.add_user(store, name, role, password, person=badge, actor=obj.actor)
    if as_json:
        from custody.cli.main import emit_json

        emit_json(user_actions.user_json(store, u))
    else:
        click.echo(
            obj.t(
                "user {name} added ({role})", name=u.username, role=vocab.ROLE_BY_SLUG[u.role].name(obj.lang)
            )
        )


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def user_list(obj, as_json: bool) -> None:
    """List the logins: user name, role, person, active.

    \b
    Example:
      custody user list
    """
    store = obj.store()
    data = [user_actions.user_json(store, u) for u in user_actions.list_users(store)]
    if as_json:
        from custody.cli.main import emit_json

        emit_json(data)
        return
    tz = obj.tz()
    click.echo(
        table.render(
            [obj.t("user"), obj.t("role"), obj.t("person"), obj.t("active"), obj.t("changed")],
            [
                (
                    d["username"],
                    vocab.ROLE_BY_SLUG[d["role"]].name(obj.lang),
                    f"{d['person_name']} ({d['person']})" if d["person"] else "—",
                    obj.t("yes") if d["active"] else obj.t("no"),
                    shapes.when(d["changed_at"], tz),
                )
                for d in data
            ],
        )
    )


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_obj
def user_passwd(obj, name: str, password_stdin: bool) -> None:
    """Set a user's password; the user's open sessions end.

    \b
    Example:
      custody user passwd zhang
    """
    password = _password(obj, password_stdin)
    u = user_actions.set_password(obj.store(), name, password, actor=obj.actor)
    click.echo(obj.t("password of {name} changed", name=u.username))


@user.command("deactivate")
@click.argument("name")
@click.pass_obj
def user_deactivate(obj, name: str) -> None:
    """The user can no longer sign in; their open sessions end at once.

    \b
    Example:
      custody user deactivate zhang
    """
    u = user_actions.deactivate(obj.store(), name, actor=obj.actor)
    click.echo(obj.t("user {name} deactivated", name=u.username))
