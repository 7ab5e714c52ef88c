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
    "checked_out": (
        "{person}借出{level}{kind}“{title}”（{code}）",
        "{person} checked out the {level} {kind} “{title}” ({code})",
    ),
    "returned": ("“{title}”（{code}）已归还", "“{title}” ({code}) returned"),
    "approved": (
        "{approver}批准{person}借阅“{title}”（{code}）",
        "{approver} approved {person} borrowing “{title}” ({code})",
    ),
}

# --- station sessions, commands, undo and late scans (custody.scan) ---
CATALOG.update(
    {
        "session_opened": (
            "{person}，请扫描要借出或归还的物品（{timeout}秒无扫描自动结束）",
            "{person}: scan the items to check out or return (the session ends after {timeout} s without a scan)",
        ),
        "session_continued": (
            "{person}，会话继续，请扫描物品",
            "{person}: the session goes on, scan the items",
        ),
        "session_approved": (
            "{approver}批准{person}本次会话的借阅（须领导批准的物品可借出）",
            "{approver} approved {person}'s session: items that need a leader's approval may be checked out",
        ),
        "session_ended": ("{person}的会话已结束", "{person}'s session has ended"),
        "no_session_open": ("本站没有进行中的会话", "no session is open at this station"),
        "unknown_code": ("无法识别的编码“{code}”，已记录", "unknown code “{code}”, recorded"),
        "mistyped": (
            "编码“{code}”校验位不符，可能扫错或输错，请重扫",
            "code “{code}” fails its check digit: misread or mistyped, scan again",
        ),
        "unknown_command": (
            "未知的站点指令“{code}”；可用：{allowed}",
            "unknown station command “{code}”; allowed: {allowed}",
        ),
        "command_needs_session": (
            "请先刷工作证，再扫指令“{command}”",
            "scan a badge first, then the command “{command}”",
        ),
        "command_unavailable": (
            "本系统尚不支持指令“{command}”",
            "the command “{command}” is not available in this installation",
        ),
        "command_refused": (
            "指令“{command}”未执行：{why}",
            "the command “{command}” was not carried out: {why}",
        ),
        "nothing_to_undo": ("本次会话没有可撤销的扫描", "nothing in this session to undo"),
        "undo_checked_out": (
            "已撤销：{person}借出“{title}”（{code}）已取消，物品在库",
            "undone: {person}'s check-out of “{title}” ({code}) is cancelled, the item is in",
        ),
        "undo_returned": (
            "已撤销：“{title}”（{code}）的归还已取消，仍由{person}持有",
            "undone: the return of “{title}” ({code}) is cancelled, {person} still holds it",
        ),
        "undo_approval": (
            "已撤销：{approver}对{person}本次会话的批准",
            "undone: {approver}'s approval of {person}'s session",
        ),
        "undo_changed_since": (
            "无法撤销：“{title}”（{code}）此后已有其他变动",
            "cannot undo: “{title}” ({code}) has changed since",
        ),
        "undo_not_possible": (
            "无法撤销这次扫描（{outcome}），请找保密员处理",
            "this scan ({outcome}) cannot be undone; ask the custodian",
        ),
        "late_conflict": (
            "补传的扫描（扫描于{scanned_at}）与此后发生的事冲突，未执行，已列为异常交保密员处理：{why}",
            "late scan (scanned {scanned_at}) conflicts with what happened since; not applied, "
            "listed as an exception for the custodian: {why}",
        ),
        "late_station_moved_on": ("本站此后已有更新的扫描", "this station has newer scans"),
        "late_item_changed": (
            "“{title}”（{code}）此后已在别处变动",
            "“{title}” ({code}) has changed elsewhere since",
        ),
        "late_note": ("（补传，扫描于{scanned_at}）", " (sent late, scanned {scanned_at})"),
        "device_connected": (
            "站点“{station}”的扫描器{device}已连接",
            "scanner {device} of {station} connected",
        ),
        "device_disconnected": (
            "站点“{station}”的扫描器{device}已断开",
            "scanner {device} of {station} disconnected",
        ),
    }
)

# --- closing checks (custody.closing) ---
CATALOG.update(
    {
        "close_safe_not_allowed": (
            "{person}不是保密员或办公室领导，不能关闭“{station}”",
            "{person} is neither a custodian nor an office leader and may not close “{station}”",
        ),
        "second_check_same_person": (
            "复核须由关柜人以外的另一人刷卡（{person}已关柜）",
            "the check needs a second person, not {person} who closed it",
        ),
        "second_check_inactive": (
            "{person}已停用，不能复核",
            "{person} is inactive and may not check",
        ),
    }
)

# --- inventory counts (custody.inventory) ---
CATALOG.update(
    {
        "count_already_open": (
            "“{station}”已有一次清点正在进行（{starter}于{since}开始），请先结束它",
            "a count is already open at “{station}” (started by {starter} at {since}): close it first",
        ),
        "count_start_not_allowed": (
            "{person}不是保密员或办公室领导，不能发起清点",
            "{person} is neither a custodian nor an office leader and may not start a count",
        ),
        "count_close_not_allowed": (
            "这次清点由{starter}发起，只有发起人或保密员可以结束；{person}不能结束",
            "this count was started by {starter}: only they or a custodian may close it, not {person}",
        ),
    }
)

# what each ledger event kind is called, for history listings and registers
EVENT_NAMES: dict[str, tuple[str, str]] = {
    "received": ("登记接收", "received"),
    "imported": ("导入登记", "imported"),
    "checked_out": ("借出", "checked out"),
    "loan_recorded": ("补登借出", "loan recorded"),
    "returned": ("归还", "returned"),
    "refused": ("拒绝", "refused"),
    "approved": ("批准", "approved"),
    "session_approved": ("站点批准", "approved at the station"),
    "session_approval_withdrawn": ("撤销批准", "approval withdrawn"),
    "tag_bound": ("绑定标签", "tag bound"),
    "person_added": ("登记人员", "person added"),
    "person_changed": ("人员变更", "person changed"),
    "station_added": ("登记站点", "station added"),
    "station_changed": ("站点变更", "station changed"),
    "token_issued": ("签发令牌", "token issued"),
    "token_revoked": ("吊销令牌", "token revoked"),
    "setting_changed": ("设置变更", "setting changed"),
    "device_connected": ("扫描器连接", "scanner connected"),
    "device_disconnected": ("扫描器断开", "scanner disconnected"),
    "count_started": ("开始清点", "count started"),
    "inventory_seen": ("清点扫描", "seen in count"),
    "count_closed": ("结束清点", "count closed"),
    "safe_closed": ("关柜", "safe closed"),
    "safe_checked": ("关柜复核", "closing checked"),
    "sweep_recorded": ("下班清查", "closing sweep"),
    "notified": ("已通知", "notified"),
}


def event_name(kind: str, lang: str = "zh") -> str:
    zh, en = EVENT_NAMES.get(kind, (kind, kind))
    return en if lang == "en" else zh


# what each sweep flag is called (custody.sweep; the list grows as rules land)
FLAG_NAMES: dict[str, tuple[str, str]] = {
    "top_secret_out": ("绝密未还", "top secret out"),
    "seal_out": ("印章未还", "seal out"),
    "letter_out": ("介绍信未还", "letter of introduction out"),
    "over_reading_limit": ("超过阅读时限", "past the reading limit"),
    "safe_not_closed": ("保密柜未按时关闭", "safe not closed in time"),
    "safe_closed_late": ("保密柜关闭过晚", "safe closed late"),
}


def flag_name(flag: str, lang: str = "zh") -> str:
    zh, en = FLAG_NAMES.get(flag, (flag, flag))
    return en if lang == "en" else zh


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
