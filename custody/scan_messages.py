"""What a station shows after a scan: sessions, commands, undo and late scans.

Same form as `custody.messages` (Chinese first, English on request, vocabulary
parameters given as slugs); keys not here fall through to that catalog, so
`render` serves every scan answer.
"""

from __future__ import annotations

from typing import Any

from custody import messages, vocab

CATALOG: dict[str, tuple[str, str]] = {
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
    "command_refused": ("指令“{command}”未执行：{why}", "the command “{command}” was not carried out: {why}"),
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
    "device_connected": ("站点“{station}”的扫描器{device}已连接", "scanner {device} of {station} connected"),
    "device_disconnected": ("站点“{station}”的扫描器{device}已断开", "scanner {device} of {station} disconnected"),
}


def render(key: str, lang: str = "zh", **params: Any) -> str:
    """A scan answer's message; keys this catalog lacks come from `custody.messages`."""
    if key not in CATALOG:
        return messages.render(key, lang, **params)
    zh, en = CATALOG[key]
    shown = {}
    for name, value in params.items():
        terms = _TERMS.get(name)
        if terms is not None and value in terms:
            term = terms[value]
            value = term.en.lower() if lang == "en" else term.zh
        shown[name] = value
    return (en if lang == "en" else zh).format_map(_Missing(shown))


_TERMS = {
    "level": vocab.LEVEL_BY_SLUG,
    "clearance": vocab.LEVEL_BY_SLUG,
    "kind": vocab.KIND_BY_SLUG,
    "status": vocab.STATUS_BY_SLUG,
    "station_kind": vocab.STATION_KIND_BY_SLUG,
    "role": vocab.ROLE_BY_SLUG,
}


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "?"
