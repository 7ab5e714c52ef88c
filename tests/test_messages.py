"""Every text has its Chinese (docs/translating.md): each message id in custody/, web/, labels/ and devices/, found by
Babel's extractor, has a non-empty Chinese text in exactly one custody/messages/zh/*.po file, with
the same `{field}` names; and no .po entry is left over that no code uses."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG_DIR = ROOT / "custody" / "messages" / "zh"
# the calls whose first argument is a message id (docs/translating.md lists the same for pybabel)
KEYWORDS = {
    name: (1,)
    for name in (
        "Msg",
        "msg",
        "N_",
        "t",
        "InvalidInput",
        "NotFound",
        "Conflict",
        "Refused",
        "StorageError",
        "LedgerBroken",
        "CustodyError",
        "NotifyError",
        "ApiError",
        "PrinterError",
        "FontMissing",
        "LabelTooSmall",
        "SpoolBusy",
        "ScanIdTaken",
    )
}
KEYWORDS["ApiError"] = (2,)  # ApiError(status, text, …)


def fields(text: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def extracted() -> dict[str, list[str]]:
    """msgid -> where it is used ("custody/cli/items.py:42")."""
    found: dict[str, list[str]] = {}
    for package in ("custody", "web", "labels", "devices"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python"), ("**.tpl", "web.pages.i18n:extract_templates")],
            keywords=KEYWORDS,
            comment_tags=(),
            strip_comment_tags=True,
        ):
            if isinstance(message, str) and message:
                found.setdefault(message, []).append(f"{package}/{filename}:{lineno}")
    return found


def catalogs() -> dict[str, dict[str, str]]:
    """file name -> {msgid: Chinese}."""
    out = {}
    for path in sorted(CATALOG_DIR.glob("*.po")):
        with path.open("rb") as f:
            out[path.name] = {m.id: m.string for m in read_po(f) if m.id}
    return out


@pytest.fixture(scope="module")
def used() -> dict[str, list[str]]:
    return extracted()


@pytest.fixture(scope="module")
def po() -> dict[str, dict[str, str]]:
    return catalogs()


def test_the_extractor_finds_the_texts(used):
    assert "ledger intact: {events} events, {items} items, state matches the ledger" in used
    assert len(used) > 200


def test_every_message_id_has_a_chinese_text(used, po):
    chinese: dict[str, str] = {}
    for entries in po.values():
        chinese.update(entries)
    missing = [f"{where[0]}: {text!r}" for text, where in sorted(used.items()) if not chinese.get(text)]
    assert not missing, "message ids without a Chinese text:\n" + "\n".join(missing)


def test_the_chinese_uses_only_the_fields_of_its_id(po):
    """A Chinese text may leave a value out where Chinese says it otherwise (等{total}件), never name one
    the code does not give (it would show as "?")."""
    wrong = [
        f"{name}: {text!r} has {sorted(fields(text))}, the Chinese {sorted(fields(zh))}"
        for name, entries in po.items()
        for text, zh in entries.items()
        if zh and not fields(zh) <= fields(text)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_message_id_is_in_two_files(po):
    seen: dict[str, str] = {}
    twice = []
    for name, entries in po.items():
        for text in entries:
            if text in seen:
                twice.append(f"{text!r}: {seen[text]} and {name}")
            seen.setdefault(text, name)
    assert not twice, "message ids in two .po files:\n" + "\n".join(twice)


def test_no_entry_is_unused(used, po):
    unused = [f"{name}: {text!r}" for name, entries in po.items() for text in entries if text not in used]
    assert not unused, "entries no code uses:\n" + "\n".join(unused)
