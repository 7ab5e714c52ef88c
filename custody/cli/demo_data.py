"""A believable office for `custody demo`: people of each role and clearance,
a safe, a reading room and an archive room, documents of each level in
several copies, a seal, a letter of introduction and USB media."""

from __future__ import annotations

from dataclasses import dataclass, field

from custody.actions import core as actions
from custody.actions import users
from custody.messages import N_
from custody.models.core import Item, Person
from custody.store.core import Store

ACTOR = "demo"

STATIONS = (("保密室", "safe"), ("阅文室", "reading-room"), ("档案室", "archive-room"))

PEOPLE = (
    # name, badge, clearance, role, dept, rfid
    ("赵敏", "C1001", "top-secret", "custodian", "机要室", None),
    ("王建国", "L2001", "top-secret", "leader", "办公室", None),
    ("李华", "S3001", "secret", "staff", "综合科", "010063E9AE"),
    ("张伟", "S3002", "confidential", "staff", "秘书科", None),
    ("陈静", "S3003", "top-secret", "staff", "机要室", None),
    ("刘洋", "S3004", "internal", "staff", "后勤科", None),
    ("孙立", "A9001", "secret", "admin", "信息科", None),
)

# the web pages' logins (custody user add), each tied to a demo person: username, badge, role
LOGINS = (
    ("admin", "A9001", "admin"),
    ("zhaomin", "C1001", "custodian"),
    ("wangjianguo", "L2001", "leader"),
    ("lihua", "S3001", "staff"),
)

DOCUMENTS = (
    # title, level, kind, copies, doc_no, issuer, period
    ("关于加强年度保密工作的通知", "secret", "document", 3, "县委办发〔2026〕31号", "县委办公室", "10y"),
    ("重大项目专题会议纪要", "top-secret", "document", 2, "县委〔2026〕7号", "县委", "30y"),
    ("财政预算执行情况报告", "confidential", "document", 4, "县财发〔2026〕12号", "县财政局", "5y"),
    ("内部通讯录", "internal", "document", 2, "", "县委办公室", ""),
    ("县委办公室公章", "internal", "seal", 1, "", "", ""),
    ("介绍信（空白）", "internal", "letter", 2, "", "县委办公室", ""),
    ("涉密U盘（机要室）", "secret", "medium", 2, "", "", "10y"),
    ("2019年度文书档案", "confidential", "archive", 1, "", "县委办公室", "10y"),
)


@dataclass
class Office:
    tokens: dict[str, str] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    items: dict[str, list[Item]] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)  # usernames, all with the demo's one password


def seed(store: Store, password: str | None = None) -> Office:
    """Fill an empty database with the demo office. Everything goes through the write path.
    With `password`, the `LOGINS` for the web pages are made too, all with that password."""
    office = Office()
    for name, kind in STATIONS:
        _, office.tokens[name] = actions.add_station(store, name, kind, actor=ACTOR)
    for name, badge, clearance, role, dept, rfid in PEOPLE:
        office.people[badge] = actions.add_person(
            store, name, badge=badge, clearance=clearance, role=role, dept=dept, rfid=rfid, actor=ACTOR
        )
    actions.set_setting(store, "unit_name", "某县委办公室", actor=ACTOR)
    if password is not None:
        for username, badge, role in LOGINS:
            users.add_user(store, username, role, password, person=badge, actor=ACTOR)
            office.logins.append(username)
    for title, level, kind, copies, doc_no, issuer, period in DOCUMENTS:
        home = "档案室" if kind == "archive" else "保密室"
        office.items[title] = actions.receive(
            store,
            title=title,
            level=level,
            kind=kind,
            copies=copies,
            total_copies=copies if doc_no else None,
            doc_no=doc_no,
            issuer=issuer,
            period=period,
            home=home,
            received_by="C1001",
            actor=ACTOR,
        )
    # P28: the seal goes out at the station for a use a leader approved beforehand
    seal = office.items["县委办公室公章"][0].code
    actions.approve(
        store,
        seal,
        office.people["C1001"],
        office.people["L2001"],
        actor=ACTOR,
        hours=10,
        purpose="县委办公室发文用印",
    )
    return office


def day_script(office: Office, new_codes: list[str]) -> list[tuple[str, str, str, list[str]]]:
    """A scripted working day: (clock time, heading's message id, station, scanned lines) per scene.

    The lines are what the scanner reads: badges, item codes, command codes. The count at 16:30
    scans everything that is in the safe, so it finds all of it (what is out is not expected).
    """
    doc = [i.code for i in office.items["关于加强年度保密工作的通知"]]
    top = [i.code for i in office.items["重大项目专题会议纪要"]]
    conf = [i.code for i in office.items["财政预算执行情况报告"]]
    usb = [i.code for i in office.items["涉密U盘（机要室）"]]
    seal = office.items["县委办公室公章"][0].code
    directory = [i.code for i in office.items["内部通讯录"]]
    letters = [i.code for i in office.items["介绍信（空白）"]]
    return [
        (
            "08:40",
            N_("lending: 李华 badges in and borrows the secret notice and a confidential report"),
            "保密室",
            ["S3001", doc[0], conf[0], "CMD-END"],
        ),
        (
            "09:05",
            N_("refused: 张伟 (cleared for confidential) asks for the secret notice"),
            "保密室",
            ["S3002", doc[1], "CMD-END"],
        ),
        (
            "09:30",
            N_(
                "top secret needs a leader: 陈静 is refused first, then 王建国 approves at the station and she borrows it"
            ),
            "保密室",
            ["S3003", top[0], "L2001", top[0], "CMD-END"],
        ),
        (
            "10:15",
            N_("just received, lent at once: 李华 takes copy 1 of this morning's document"),
            "保密室",
            ["S3001", new_codes[0], usb[0], "CMD-END"],
        ),
        (
            "11:40",
            N_("return: 陈静 brings back the top-secret minutes (read and returned)"),
            "保密室",
            ["S3003", top[0], "CMD-END"],
        ),
        (
            "14:10",
            N_("returned by someone else (no hand-on): 张伟 brings back 李华's report, taken in and flagged"),
            "保密室",
            ["S3002", conf[0], "CMD-END"],
        ),
        (
            "14:30",
            N_(
                "afternoon: 陈静 borrows copy 2 of the top-secret minutes (王建国 approves), still out at closing"
            ),
            "保密室",
            ["S3003", top[1], "L2001", top[1], "CMD-END"],
        ),
        ("15:30", N_("the seal goes out: 赵敏 takes the office seal"), "保密室", ["C1001", seal, "CMD-END"]),
        (
            "16:30",
            N_("count at the safe: the custodian starts a count and scans every item that is in"),
            "保密室",
            [
                "C1001",
                "CMD-COUNT-START",
                doc[1],
                doc[2],
                conf[0],
                conf[1],
                conf[2],
                conf[3],
                top[0],
                usb[1],
                *directory,
                *letters,
                *new_codes[1:],
                "CMD-COUNT-END",
            ],
        ),
        (
            "17:35",
            N_("closing the safe: the custodian scans the close-safe command, 王建国 checks it"),
            "保密室",
            ["C1001", "CMD-CLOSE-SAFE", "L2001"],
        ),
    ]
