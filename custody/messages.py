"""What a custodian reads: reasons and flags in Chinese first, English on request.

Parameters named like vocabulary (`level`, `clearance`, `kind`, `status`,
`station_kind`, `role`) are given as slugs and shown in the reader's language.
"""

from __future__ import annotations

from typing import Any

from custody import vocab

CATALOG: dict[str, tuple[str, str]] = {
    # refusals (P24: every one is recorded with its reason)
    "clearance_too_low": (
        "{person}的许可级别为{clearance}，不能借阅{level}{kind}“{title}”（{code}）",
        "{person}'s clearance is {clearance}: may not borrow the {level} {kind} “{title}” ({code})",
    ),
    "person_inactive": (
        "{person}已停用，不能借阅“{title}”（{code}）",
        "{person} is inactive and may not borrow “{title}” ({code})",
    ),
    "person_off_post": (
        "{person}处于脱密期（至{until}），不能借阅“{title}”（{code}）",
        "{person} is in the off-post period (until {until}) and may not borrow “{title}” ({code})",
    ),
    "needs_leader": (
        "借阅{level}{kind}“{title}”（{code}）须经办公室领导批准：请领导在本站刷卡，或事先登记审批",
        "borrowing the {level} {kind} “{title}” ({code}) needs an office leader's approval: "
        "a leader's badge at this station, or an approval given beforehand",
    ),
    "outside_scope": (
        "{person}不在“{title}”（{code}）的知悉范围内，须经办公室领导批准",
        "{person} is outside the distribution scope of “{title}” ({code}): needs a leader's approval",
    ),
    "already_out": (
        "“{title}”（{code}）已借给{holder}（自{since}），须先归还保密员",
        "“{title}” ({code}) is out to {holder} (since {since}); it must be returned first",
    ),
    "not_available": (
        "“{title}”（{code}）状态为{status}，不能借出",
        "“{title}” ({code}) is {status} and cannot be checked out",
    ),
    "not_out": (
        "“{title}”（{code}）在库，未借出，不能归还",
        "“{title}” ({code}) is not checked out, so it cannot be returned",
    ),
    "home_not_safe": (
        "{level}{kind}必须存放在保密室类站点，“{station}”是{station_kind}",
        "a {level} {kind} must live at a safe station; “{station}” is a {station_kind}",
    ),
    "approver_not_leader": (
        "{approver}不是办公室领导，不能批准",
        "{approver} is not an office leader and cannot approve",
    ),
    "no_session": (
        "请先刷工作证，再扫“{title}”（{code}）",
        "scan a badge first, then “{title}” ({code})",
    ),
    # flags
    "returned_by_other": (
        "由{presenter}交回，借用人是{holder}：不得代转，已记录",
        "returned by {presenter}, not the holder {holder}: hand-on is not allowed, recorded",
    ),
    "returned_elsewhere": (
        "在“{station}”交回，应存放于“{home}”",
        "returned at “{station}”, its home is “{home}”",
    ),
    # outcomes
    "checked_out": ("{person}借出{level}{kind}“{title}”（{code}）", "{person} checked out the {level} {kind} “{title}” ({code})"),
    "returned": ("“{title}”（{code}）已归还", "“{title}” ({code}) returned"),
    "approved": ("{approver}批准{person}借阅“{title}”（{code}）", "{approver} approved {person} borrowing “{title}” ({code})"),
}

_TERMS = {
    "level": vocab.LEVEL_BY_SLUG,
    "clearance": vocab.LEVEL_BY_SLUG,
    "kind": vocab.KIND_BY_SLUG,
    "status": vocab.STATUS_BY_SLUG,
    "station_kind": vocab.STATION_KIND_BY_SLUG,
    "role": vocab.ROLE_BY_SLUG,
}


def render(key: str, lang: str = "zh", **params: Any) -> str:
    zh, en = CATALOG[key]
    shown = {}
    for name, value in params.items():
        terms = _TERMS.get(name)
        if terms is not None and value in terms:
            term = terms[value]
            value = term.en.lower() if lang == "en" else term.zh
        shown[name] = value
    return (en if lang == "en" else zh).format_map(_Missing(shown))


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "?"
