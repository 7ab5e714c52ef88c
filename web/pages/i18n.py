"""Babel's extractor for the page templates: every `_("…")` of a `web/templates/*.tpl` file is a
message id (tests/test_messages.py and pybabel read them with this, beside the Python sources).

    [web.pages.i18n:extract_templates: web/templates/**.tpl]   (babel.cfg)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def extract_templates(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    text = fileobj.read().decode("utf-8")
    for found in CALL.finditer(text):
        message = found.group(1) if found.group(1) is not None else found.group(2)
        lineno = text.count("\n", 0, found.start()) + 1
        yield lineno, "N_", message.encode().decode("unicode_escape") if "\\" in message else message, []
