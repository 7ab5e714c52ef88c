"""What a custodian reads: one catalog, rendered at the edge in the reader's language.

Every text is written once, in English, as a gettext message id with named
fields (`"no item with code {code}"`), and carried as a `Msg` (the id and its
values) until the edge — the CLI, a web page, a station's answer — renders it
in the reader's language. The Chinese texts are the `.po` catalogs in
`custody/messages/zh/` (Babel reads and compiles them when first needed;
`pybabel extract` finds every id, see docs/translating.md). Chinese is the
default; English is the id itself, so it is complete by construction.

Fields named like vocabulary (`level`, `clearance`, `kind`, `status`,
`station_kind`, `role`) are given as slugs and shown in the reader's language.
"""

from __future__ import annotations

import gettext
import io
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
CATALOG_DIR = Path(__file__).with_name("zh")


def N_(text: str) -> str:
    """Marks a message id for extraction where it is not yet rendered (a table of texts)."""
    return text


@dataclass(frozen=True)
class Msg:
    """A message: its English id (gettext's msgid, with `{named}` fields) and the values."""

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = DEFAULT_LANG) -> str:
        return format_text(translate(self.text, lang), lang, self.params)

    def __str__(self) -> str:  # logs are English
        return self.render("en")


def msg(text: str, **params: Any) -> Msg:
    return Msg(text, params)


@dataclass(frozen=True)
class Joined(Msg):
    """Several messages shown as one: `first；second` (Chinese) or `first; second` (English)."""

    parts: tuple[Msg, ...] = ()

    def render(self, lang: str = DEFAULT_LANG) -> str:
        sep = "; " if lang == "en" else "；"
        return sep.join(p.render(lang) for p in self.parts)


def joined(parts: Iterable[Msg]) -> Msg:
    parts = tuple(parts)
    return parts[0] if len(parts) == 1 else Joined("", {}, parts)


@dataclass(frozen=True)
class Listed(Msg):
    """Names or messages listed as the reader's language lists them: `a、b` in Chinese, `a, b` in English."""

    parts: tuple[Msg | str, ...] = ()

    def render(self, lang: str = DEFAULT_LANG) -> str:
        return list_separator(lang).join(render(p, lang) for p in self.parts)


def listed(parts: Iterable[Msg | str]) -> Msg:
    return Listed("", {}, tuple(parts))


def list_separator(lang: str) -> str:
    return ", " if lang == "en" else "、"


def render(message: Msg | str, lang: str = DEFAULT_LANG) -> str:
    """A message in `lang`; a plain string (already rendered, or data) is shown as it is."""
    return message.render(lang) if isinstance(message, Msg) else message


def lang_of(value: str | None) -> str:
    """`en`, `en-GB`, `EN` → `en`; anything else, or nothing, → the default (Chinese)."""
    return "en" if value and value.strip().lower().startswith("en") else DEFAULT_LANG


# --- the catalog --------------------------------------------------------------------------------

_lock = threading.Lock()
_translations: gettext.NullTranslations | None = None


def _load() -> gettext.NullTranslations:
    """Every `.po` file of the Chinese catalog, compiled in memory with Babel into one gettext
    translation (a message id found in two files is an error a test reports)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = None
    for path in sorted(CATALOG_DIR.glob("*.po")):
        with path.open("rb") as f:
            catalog = read_po(f, locale="zh_Hans_CN")
        if merged is None:
            merged = catalog
        else:
            for message in catalog:
                if message.id:
                    merged[message.id] = message
    if merged is None:
        return gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, merged, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def translations() -> gettext.NullTranslations:
    global _translations
    if _translations is None:
        with _lock:
            if _translations is None:
                _translations = _load()
    return _translations


def translate(text: str, lang: str = DEFAULT_LANG) -> str:
    """`text` (a message id) in `lang`, without filling its fields."""
    if lang == "en" or not text:
        return text
    return translations().gettext(text)


_TERMS: dict[str, Mapping[str, Any]] = {}


def _terms() -> dict[str, Mapping[str, Any]]:
    if not _TERMS:
        from custody import vocab  # vocab raises errors, which carry messages: imported on first use

        _TERMS.update(
            level=vocab.LEVEL_BY_SLUG,
            clearance=vocab.LEVEL_BY_SLUG,
            kind=vocab.KIND_BY_SLUG,
            status=vocab.STATUS_BY_SLUG,
            station_kind=vocab.STATION_KIND_BY_SLUG,
            role=vocab.ROLE_BY_SLUG,
        )
    return _TERMS


def format_text(template: str, lang: str, params: Mapping[str, Any]) -> str:
    shown: dict[str, Any] = {}
    terms_by_name = _terms()
    for name, value in params.items():
        terms = terms_by_name.get(name)
        if terms is not None and isinstance(value, str) and value in terms:
            term = terms[value]
            value = term.en.lower() if lang == "en" else term.zh
        elif isinstance(value, Msg):
            value = value.render(lang)
        shown[name] = value
    return template.format_map(_Missing(shown))


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "?"
