"""CLI: people, stations and settings."""

from __future__ import annotations

import click

from custody import settings, vocab
from custody.actions import core as actions
from custody.cli import table
from custody.reports import lookup, shapes


def register(cli: click.Group) -> None:
    cli.add_command(person)
    cli.add_command(station)
    cli.add_command(setting)


@click.group()
def person() -> None:
    """People who may hold items (人员)."""


@person.command("add")
@click.argument("name")
@click.option("--badge", required=True, help="The code on the person's badge card.")
@click.option("--rfid", help="RFID fob: 10 hex digits or the 10-digit number printed on it.")
@click.option("--clearance", required=True, help="Highest level they may hold: slug or 中文 (secret / 机密).")
@click.option("--role", default="staff", show_default=True, help="staff, custodian, leader or admin.")
@click.option("--dept", default="", help="Department (for distribution scopes, P9).")
@click.option("--json", "as_json", is_flag=True, help="Print the person as JSON.")
@click.pass_obj
def person_add(
    obj, name: str, badge: str, rfid: str | None, clearance: str, role: str, dept: str, as_json: bool
) -> None:
    """Register a person and their badge.

    \b
    Example:
      custody person add 张三 --badge B001 --clearance 机密 --dept 综合科
      custody person add 王主任 --badge L001 --clearance top-secret --role leader
    """
    p = actions.add_person(
        obj.store(), name, badge=badge, clearance=clearance, role=role, dept=dept, rfid=rfid, actor=obj.actor
    )
    if as_json:
        from custody.cli.main import emit_json

        emit_json(shapes.person_json(obj.store(), p))
    else:
        click.echo(obj.t("registered {name} (badge {badge})", name=p.name, badge=badge))


@person.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def person_list(obj, as_json: bool) -> None:
    """List people.

    \b
    Example:
      custody person list --json
    """
    store = obj.store()
    m = store.m
    people = list(m.Person.select().order_by(m.Person.id))
    if as_json:
        from custody.cli.main import emit_json

        emit_json([shapes.person_json(obj.store(), p) for p in people])
        return
    lang = obj.lang
    rows = [
        (
            p.name,
            lookup.badge_of(store, p),
            vocab.ROLE_BY_SLUG[p.role].name(lang),
            vocab.LEVEL_BY_SLUG[p.clearance].name(lang),
            p.dept,
            "" if p.active else obj.t("inactive"),
        )
        for p in people
    ]
    click.echo(
        table.render(
            [
                obj.t("name"),
                obj.t("badge"),
                obj.t("role"),
                obj.t("clearance"),
                obj.t("dept"),
                "",
            ],
            rows,
        )
    )


@person.command("off-post")
@click.argument("badge")
@click.option("--until", "until", help="Last day of the off-post period (脱密期), YYYY-MM-DD.")
@click.option("--clear", is_flag=True, help="End the off-post period now.")
@click.pass_obj
def person_off_post(obj, badge: str, until: str | None, clear: bool) -> None:
    """Set a person's off-post period (脱密期): they hold nothing until it ends (P8).

    \b
    Example:
      custody person off-post B007 --until 2027-06-30
    """
    from custody.cli.main import parse_date

    if bool(until) == clear:
        raise click.UsageError("give exactly one of --until DATE or --clear")
    p = actions.off_post(obj.store(), badge, parse_date(until) if until else None, actor=obj.actor)
    if p.off_post_until:
        click.echo(obj.t("{name} off-post until {until}", name=p.name, until=p.off_post_until))
    else:
        click.echo(obj.t("{name}: no off-post period", name=p.name))


@person.command("deactivate")
@click.argument("badge")
@click.pass_obj
def person_deactivate(obj, badge: str) -> None:
    """Mark a person inactive: they may hold nothing (P8).

    \b
    Example:
      custody person deactivate B007
    """
    p = actions.set_active(obj.store(), badge, False, actor=obj.actor)
    click.echo(obj.t("{name} is now inactive", name=p.name))


@person.command("set-role")
@click.argument("badge")
@click.argument("role")
@click.option("--json", "as_json", is_flag=True, help="Print the person as JSON.")
@click.pass_obj
def person_set_role(obj, badge: str, role: str, as_json: bool) -> None:
    """Change a person's role: staff, custodian, leader or admin (or 中文). Decisions read the role
    when they are made; a web login keeps its own role (custody user …).

    \b
    Example:
      custody person set-role B001 leader
    """
    from custody.actions import people as people_actions

    p = people_actions.set_role(obj.store(), badge, role, actor=obj.actor)
    _changed(
        obj,
        p,
        as_json,
        obj.t("{name} is now {role}", name=p.name, role=vocab.ROLE_BY_SLUG[p.role].name(obj.lang)),
    )


@person.command("set-dept")
@click.argument("badge")
@click.argument("dept")
@click.option("--json", "as_json", is_flag=True, help="Print the person as JSON.")
@click.pass_obj
def person_set_dept(obj, badge: str, dept: str, as_json: bool) -> None:
    """Move a person to a department of the table (custody dept add makes one; P9 scopes read it).

    \b
    Example:
      custody person set-dept B001 机要科
    """
    from custody.actions import people as people_actions

    p = people_actions.set_dept(obj.store(), badge, dept, actor=obj.actor)
    _changed(obj, p, as_json, obj.t("{name} is now in {dept}", name=p.name, dept=p.dept))


def _changed(obj, p, as_json: bool, line: str) -> None:
    if as_json:
        from custody.cli.main import emit_json

        emit_json(shapes.person_json(obj.store(), p))
    else:
        click.echo(line)


@click.group()
def station() -> None:
    """Stations: the safe, the reading room, … (站点) and their scanner devices' tokens."""


@station.command("add")
@click.argument("name")
@click.option("--kind", required=True, help="safe, reading-room, archive-room or desk (or 中文).")
@click.option("--json", "as_json", is_flag=True, help="Print the station and its token as JSON.")
@click.pass_obj
def station_add(obj, name: str, kind: str, as_json: bool) -> None:
    """Register a station; prints its first device token once (device "default"; only its hash is kept).

    \b
    Example:
      custody station add 保密室 --kind safe
    """
    st, token = actions.add_station(obj.store(), name, kind, actor=obj.actor)
    if as_json:
        from custody.cli.main import emit_json

        emit_json({"name": st.name, "kind": st.kind, "token": token})
    else:
        click.echo(obj.t("station {name} added; API token (shown once):", name=st.name))
        click.echo(token)


@station.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def station_list(obj, as_json: bool) -> None:
    """List stations and their live device tokens (the first characters only, never the secret).

    \b
    Example:
      custody station list
    """
    from custody.actions import stations as station_actions

    store = obj.store()
    m = store.m
    rows = list(m.Station.select().order_by(m.Station.name))
    data = []
    for s in rows:
        tokens = station_actions.list_device_tokens(store, s.name)
        default = next((t for t in tokens if t.device == station_actions.DEFAULT_DEVICE), None)
        data.append(
            {
                "name": s.name,
                "kind": s.kind,
                "devices": [t.device for t in tokens],
                "token_hint": (default.token_hint + "…") if default else None,
                "token_created_at": shapes.iso(default.created_at, obj.tz()) if default else None,
            }
        )
    if as_json:
        from custody.cli.main import emit_json

        emit_json(data)
        return
    click.echo(
        table.render(
            [obj.t("station"), obj.t("kind"), obj.t("token"), obj.t("issued"), obj.t("devices")],
            [
                (
                    d["name"],
                    vocab.STATION_KIND_BY_SLUG[d["kind"]].name(obj.lang),
                    d["token_hint"] or obj.t("revoked"),
                    shapes.when(d["token_created_at"], obj.tz()),
                    ", ".join(d["devices"]) or "—",
                )
                for d in data
            ],
        )
    )


@station.group("token")
def station_token() -> None:
    """One token per scanner device of a station, each revoked on its own (a lost scanner)."""


@station_token.command("add")
@click.argument("station_name", metavar="STATION")
@click.option("--device", required=True, help="The scanner device's name at this station (e.g. scanner-2).")
@click.option("--json", "as_json", is_flag=True, help="Print the device and its token as JSON.")
@click.pass_obj
def station_token_add(obj, station_name: str, device: str, as_json: bool) -> None:
    """A token for one more scanner device of STATION; prints it once (only its hash is kept).

    \b
    Example:
      custody station token add 阅文室 --device scanner-2
    """
    from custody.actions import stations as station_actions

    token = station_actions.add_device_token(obj.store(), station_name, device, actor=obj.actor)
    if as_json:
        from custody.cli.main import emit_json

        emit_json({"station": station_name, "device": device.strip(), "token": token})
    else:
        click.echo(
            obj.t(
                "token of device {device} at {station} (shown once):",
                device=device.strip(),
                station=station_name,
            )
        )
        click.echo(token)


@station_token.command("list")
@click.argument("station_name", metavar="STATION")
@click.option("--revoked", is_flag=True, help="Show revoked tokens too.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def station_token_list(obj, station_name: str, revoked: bool, as_json: bool) -> None:
    """The device tokens of STATION: device, first characters, issued, revoked.

    \b
    Example:
      custody station token list 阅文室
    """
    from custody.actions import stations as station_actions

    tz = obj.tz()
    rows = station_actions.list_device_tokens(obj.store(), station_name, revoked=revoked)
    data = [
        {
            "device": t.device,
            "token_hint": t.token_hint + "…",
            "created_at": shapes.iso(t.created_at, tz),
            "revoked_at": shapes.iso(t.revoked_at, tz),
        }
        for t in rows
    ]
    if as_json:
        from custody.cli.main import emit_json

        emit_json(data)
        return
    click.echo(
        table.render(
            [obj.t("device"), obj.t("token"), obj.t("issued"), obj.t("revoked")],
            [
                (
                    d["device"],
                    d["token_hint"],
                    shapes.when(d["created_at"], tz),
                    shapes.when(d["revoked_at"], tz) if d["revoked_at"] else "",
                )
                for d in data
            ],
        )
    )


@station_token.command("revoke")
@click.argument("station_name", metavar="STATION")
@click.option("--device", required=True, help="The scanner device whose token is revoked.")
@click.pass_obj
def station_token_revoke(obj, station_name: str, device: str) -> None:
    """Revoke one device's token (a lost scanner); the station's other devices keep working.

    \b
    Example:
      custody station token revoke 阅文室 --device scanner-2
    """
    from custody.actions import stations as station_actions

    station_actions.revoke_device_token(obj.store(), station_name, device, actor=obj.actor)
    click.echo(
        obj.t("token of device {device} at {station} revoked", device=device.strip(), station=station_name)
    )


@station.command("rotate")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def station_rotate(obj, name: str, as_json: bool) -> None:
    """Issue a new token for the station's device "default"; its old one stops working at once.

    \b
    Example:
      custody station rotate 保密室
    """
    token = actions.rotate_token(obj.store(), name, actor=obj.actor)
    if as_json:
        from custody.cli.main import emit_json

        emit_json({"name": name, "token": token})
    else:
        click.echo(token)


@station.command("revoke")
@click.argument("name")
@click.pass_obj
def station_revoke(obj, name: str) -> None:
    """Revoke the token of the station's device "default" (other devices: station token revoke).

    \b
    Example:
      custody station revoke 阅文室
    """
    actions.revoke_token(obj.store(), name, actor=obj.actor)
    click.echo(obj.t("token of {name} revoked", name=name))


@click.group()
def setting() -> None:
    """Settings kept in the database (closing time, reading limit, language …)."""


@setting.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def setting_list(obj, as_json: bool) -> None:
    """Show every setting.

    \b
    Example:
      custody setting list
    """
    values = settings.all_settings(obj.store())
    if as_json:
        from custody.cli.main import emit_json

        emit_json(values)
        return
    click.echo(
        table.render(
            [obj.t("key"), obj.t("value"), obj.t("about")],
            [(k, v, settings.describe(k, obj.lang)) for k, v in values.items()],
        )
    )


@setting.command("set")
@click.argument("key")
@click.argument("value")
@click.pass_obj
def setting_set(obj, key: str, value: str) -> None:
    """Change a setting (recorded in the ledger).

    \b
    Example:
      custody setting set closing_time 17:30
      custody setting set language en
    """
    parsed = actions.set_setting(obj.store(), key, value, actor=obj.actor)
    click.echo(f"{key} = {parsed}")
