"""docs/labels.md: its Python examples run, and it keeps the ribbon warning in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labels import SHEETS, SIZES

DOC = Path(__file__).parent.parent / "docs" / "labels.md"


def examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("n", range(len(examples())))
def test_python_examples_run(n: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(examples()[n], f"{DOC}:example-{n}", "exec"), {})


def test_the_examples_write_what_they_say(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    exec(examples()[0], {})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "badge.png",
        "commands.pdf",
        "labels.pdf",
        "labels.tspl",
        "labels.zpl",
    ]


def test_docs_name_every_size_and_sheet_and_warn_about_ribbons() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in [*SIZES, *SHEETS]:
        assert f"`{name}`" in text
    assert "热转印色带必须按涉密废弃物销毁" in text
    assert "Used thermal-transfer ribbons must be destroyed as classified waste" in text
