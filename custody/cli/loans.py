"""CLI: departments and distribution scopes (P9), clearance and leaving post (P8, P27), handover (P26)."""

from __future__ import annotations

from pathlib import Path

import click

from custody import vocab
from custody.actions import departments as dept_actions
from custody.actions import handover as handover_actions
from custody.actions import people as people_actions
from custody.cli import table
from custody.reports import lookup, shapes


def register(cli: click.Group) -> None:
    from custody.cli.people import person

    cli.add_command(dept)
    cli.add_command(scope)
    cli.add_command(handover)
    person.add_command(person_set_clearance)
    person.add_command(person_leaving)


def _emit(value: object) -> None:
    from custody.cli.main import emit_json

    emit_json(value)


@click.group()
def dept() -> None:
    """Departments people belong to and distribution scopes name (部门, P9)."""


@dept.command("add")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the department as JSON.")
@click.pass_obj
def dept_add(obj, name: str, as_json: bool) -> None:
    """Add a department.

    \b
    Example:
      custody dept add 综合科
    """
    row = dept_actions.add_department(obj.store(), name, actor=obj.actor)
    if as_json:
        _emit({"name": row.name})
    else:
        click.echo(obj.t("department {name} added", name=row.name))


@dept.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def dept_list(obj, as_json: bool) -> None:
    """List the departments and how many people each has.

    \b
    Example:
      custody dept list --json
    """
    store = obj.store()
    m = store.m
    rows = [
        (d.name, m.Person.select().where((m.Person.dept == d.name) & m.Person.active).count())
        for d in dept_actions.departments(store)
    ]
    if as_json:
        _emit([{"name": n, "people": c} for n, c in rows])
    else:
        click.echo(table.render([obj.t("dept"), obj.t("people")], rows))


@click.group()
def scope() -> None:
    """An item's distribution scope (知悉范围, P9)."""


@scope.command("set")
@click.argument("code")
@click.option("--dept", "depts", multiple=True, help="A department in the scope; repeat for more.")
@click.option("--badge", "badges", multiple=True, help="A person in the scope, by badge; repeat for more.")
@click.option("--by", "by_badge", required=True, help="Badge of the office leader changing it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def scope_set(
    obj, code: str, depts: tuple[str, ...], badges: tuple[str, ...], by_badge: str, as_json: bool
) -> None:
    """Replace an item's distribution scope (none given: no scope); only a leader (an event).

    \b
    Example:
      custody scope set 346056276894 --dept 综合科 --badge B002 --by L001
    """
    store = obj.store()
    out = dept_actions.set_scope(
        store,
        code,
        depts=[d for v in depts for d in v.split(",") if d.strip()],
        badges=[b for v in badges for b in v.split(",") if b.strip()],
        by=lookup.person_by_badge(store, by_badge),
        actor=obj.actor,
    )
    if as_json:
        _emit({"outcome": out.outcome, "message": out.message(obj.lang), "scope": out.extra["scope"]})
    else:
        click.echo(out.message(obj.lang))


@click.command("set-clearance")
@click.argument("badge")
@click.argument("level")
@click.pass_obj
def person_set_clearance(obj, badge: str, level: str) -> None:
    """Change a person's clearance; lowering it below what they hold is refused with the list (P8).

    \b
    Example:
      custody person set-clearance B001 秘密
    """
    p = people_actions.set_clearance(obj.store(), badge, level, actor=obj.actor)
    click.echo(
        obj.t(
            "{name}: clearance {clearance}",
            name=p.name,
            clearance=p.clearance,
        )
    )


@click.command("leaving")
@click.argument("badge")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def person_leaving(obj, badge: str, as_json: bool) -> None:
    """Before someone leaves their post: everything they hold, and what they carry as second
    holder (P27). Exit 1 while anything is still out to them; closing them out is refused until then.

    \b
    Example:
      custody person leaving B001
    """
    store = obj.store()
    p = lookup.person_by_badge(store, badge)
    held = people_actions.held_by(store, p)
    tz = obj.tz()
    if as_json:
        _emit(
            {
                "person": shapes.person_json(store, p),
                "holds": [
                    {**shapes.item_json(store, i, tz), "as": "holder" if i.holder_id == p.id else "second"}
                    for i in held
                ],
            }
        )
    elif not held:
        click.echo(obj.t("{name} holds nothing: may leave post", name=p.name))
    else:
        rows = [
            (
                i.code,
                i.title,
                vocab.LEVEL_BY_SLUG[i.level].name(obj.lang),
                obj.t("holder") if i.holder_id == p.id else obj.t("second holder"),
                shapes.when(i.since, tz) if i.since else "",
            )
            for i in held
        ]
        click.echo(obj.t("{name} still holds {count} item(s):", name=p.name, count=len(held)))
        click.echo(
            table.render([obj.t("code"), obj.t("title"), obj.t("level"), obj.t("as"), obj.t("since")], rows)
        )
    if held:
        raise click.exceptions.Exit(1)


@click.command("handover")
@click.argument("station_name", metavar="STATION")
@click.option("--from", "from_badge", required=True, help="Badge of the one handing over (移交人).")
@click.option("--to", "to_badge", required=True, help="Badge of the one taking over (接交人).")
@click.option("--supervisor", required=True, help="Badge of the supervising office leader (监交人).")
@click.option("--seen", multiple=True, help="An item code counted (else: the count open at the station).")
@click.option(
    "--seen-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Codes counted, one a line.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def handover(
    obj,
    station_name: str,
    from_badge: str,
    to_badge: str,
    supervisor: str,
    seen: tuple[str, ...],
    seen_file: Path | None,
    as_json: bool,
) -> None:
    """Hand a station over after a full count (P22); recorded only when every item is accounted
    for, naming all three (P26); what is missing is listed (exit 1).

    \b
    Example:
      custody handover 保密室 --from C1001 --to C1002 --supervisor L2001 --seen-file counted.txt
    """
    store = obj.store()
    codes = [c.strip() for c in seen if c.strip()]
    if seen_file is not None:
        codes += [ln.strip() for ln in seen_file.read_text(encoding="utf-8").splitlines() if ln.strip()]
    out = handover_actions.handover(
        store,
        lookup.station(store, station_name),
        giver=lookup.person_by_badge(store, from_badge),
        taker=lookup.person_by_badge(store, to_badge),
        supervisor=lookup.person_by_badge(store, supervisor),
        actor=obj.actor,
        seen=codes,
    )
    if as_json:
        _emit({"outcome": out.outcome, "message": out.message(obj.lang), **out.extra})
    else:
        click.echo(f"{out.outcome} {out.message(obj.lang)}")
    if out.outcome == "refused":
        raise click.exceptions.Exit(1)
