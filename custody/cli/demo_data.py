"""A believable office for `custody demo`: people of each role and clearance,
a safe, a reading room and an archive room, documents of each level in
several copies, a seal, a letter of introduction and USB media."""

from __future__ import annotations

from dataclasses import dataclass, field

from custody.actions import core as actions
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

DOCUMENTS = (
    # title, level, kind, copies, doc_no, issuer, period
    ("关于加强年度保密工作的通知", "secret", "document", 3, "县委办发〔2026〕31号", "县委办公室", "10y"),
    ("重大项目专题会议纪要", "top-secret", "document", 2, "县委〔2026〕7号", "县委", "30y"),
    ("财政预算执行情况报告", "confidential", "document", 4, "县财发〔2026〕12号", "县财政局", "5y"),
    ("内部通讯录", "internal", "document", 2, "", "县委办公室", ""),
    ("县委办公室公章", "internal", "seal", 1, "", "", ""),
    ("介绍信（空白）", "internal", "letter", 2, "", "县委办公室", ""),
    ("涉密U盘（机要室）", "secret", "medium", 2, "", "", "long-term"),
    ("2019年度文书档案", "confidential", "archive", 1, "", "县委办公室", "10y"),
)


@dataclass
class Office:
    tokens: dict[str, str] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    items: dict[str, list[Item]] = field(default_factory=dict)


def seed(store: Store) -> Office:
    """Fill an empty database with the demo office. Everything goes through the write path."""
    office = Office()
    for name, kind in STATIONS:
        _, office.tokens[name] = actions.add_station(store, name, kind, actor=ACTOR)
    for name, badge, clearance, role, dept, rfid in PEOPLE:
        office.people[badge] = actions.add_person(
            store, name, badge=badge, clearance=clearance, role=role, dept=dept, rfid=rfid, actor=ACTOR
        )
    actions.set_setting(store, "unit_name", "某县委办公室", actor=ACTOR)
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
    return office


def day_script(office: Office, new_codes: list[str]) -> list[tuple[str, str, str, list[str]]]:
    """A scripted working day: (clock time, heading, station, scanned lines) per scene.

    The lines are what the scanner reads: badges, item codes, command codes.
    """
    doc = [i.code for i in office.items["关于加强年度保密工作的通知"]]
    top = [i.code for i in office.items["重大项目专题会议纪要"]]
    conf = [i.code for i in office.items["财政预算执行情况报告"]]
    usb = [i.code for i in office.items["涉密U盘（机要室）"]]
    seal = office.items["县委办公室公章"][0].code
    return [
        (
            "08:40",
            "借阅：李华刷卡，借出机密通知和一份秘密报告",
            "保密室",
            ["S3001", doc[0], conf[0], "CMD-END"],
        ),
        ("09:05", "拒绝：张伟（许可级别秘密）想借机密通知", "保密室", ["S3002", doc[1], "CMD-END"]),
        (
            "09:30",
            "绝密须领导批准：陈静先被拒绝，王建国在本站刷卡批准后借出",
            "保密室",
            ["S3003", top[0], "L2001", top[0], "CMD-END"],
        ),
        (
            "10:15",
            "新收文件当场借出：李华借走今天收到的第1份",
            "保密室",
            ["S3001", new_codes[0], usb[0], "CMD-END"],
        ),
        ("11:40", "归还：陈静交回绝密纪要（随阅随退）", "保密室", ["S3003", top[0], "CMD-END"]),
        (
            "14:10",
            "代还（不得代转）：张伟替李华交回秘密报告，接收并留痕",
            "保密室",
            ["S3002", conf[0], "CMD-END"],
        ),
        (
            "14:30",
            "午后借阅：陈静再借绝密纪要第2份（王建国批准），下班前未还",
            "保密室",
            ["S3003", top[1], "L2001", top[1], "CMD-END"],
        ),
        ("15:30", "公章外借：赵敏借出公章用印", "保密室", ["C1001", seal, "CMD-END"]),
        (
            "16:30",
            "盘点保密室：保密员开始清点，逐件扫描在库物品",
            "保密室",
            [
                "C1001",
                "CMD-COUNT-START",
                doc[1],
                doc[2],
                conf[1],
                conf[2],
                conf[3],
                top[0],
                usb[1],
                *new_codes[1:],
                "CMD-COUNT-END",
            ],
        ),
        ("17:35", "下班关柜：保密员扫关柜指令，王建国复核", "保密室", ["C1001", "CMD-CLOSE-SAFE", "L2001"]),
    ]
