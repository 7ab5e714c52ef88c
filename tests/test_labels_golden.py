"""Golden images: one label of each kind, compared pixel by pixel with the stored image.

After an intended layout change, look at the new images and store them:

    python tests/test_labels_golden.py --update
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from labels import BadgeLabel, CommandSheet, ItemLabel, render, render_command_sheet

GOLDEN = Path(__file__).parent / "golden"
TOLERANCE = 0.002  # share of pixels allowed to differ: anti-aliasing edges between FreeType builds, no more

CASES: dict[str, Callable[[], Image.Image]] = {
    "item-document": lambda: render(
        ItemLabel(
            "123456789018",
            "secret",
            "10y",
            copy_no=3,
            kind="document",
            doc_no="国保发〔2024〕12号",
            unit="市委办公室机要科",
            received=date(2024, 5, 8),
        ),
        "50x30",
        300,
    ),
    "item-seal": lambda: render(
        ItemLabel("304512783343", "confidential", "long-term", copy_no=1, kind="seal", unit="办公室"),
        "50x30",
        300,
    ),
    "item-letter": lambda: render(
        ItemLabel(
            "552019384710",
            "internal",
            "6m",
            copy_no=12,
            kind="letter",
            doc_no="介字第 0042 号",
            received=date(2025, 1, 2),
        ),
        "50x30",
        203,
    ),
    "item-medium": lambda: render(
        ItemLabel(
            "718204556129",
            "top-secret",
            "30y",
            copy_no=1,
            kind="medium",
            doc_no="U盘-07",
            unit="保密室",
            received=date(2024, 11, 30),
        ),
        "50x30",
        300,
    ),
    "item-archive": lambda: render(
        ItemLabel(
            "100200300404",
            "secret",
            "until:2030-06-30",
            copy_no=2,
            kind="archive",
            doc_no="档-2019-118",
            unit="档案室",
        ),
        "62",
        300,
    ),
    "item-other": lambda: render(
        ItemLabel("246813579024", "unclassified", "", copy_no=7, kind="other"), "40x30", 203
    ),
    "badge": lambda: render(BadgeLabel("张伟", "0006547886", "办公室机要科"), "50x30", 300),
    "command-sheet": lambda: render_command_sheet(
        CommandSheet([("CMD-END", "结束会话"), ("CMD-INV", "开始清点"), ("CMD-CANCEL", "取消上一步")]), 203
    )[0],
}


def differing(a: Image.Image, b: Image.Image) -> int:
    diff = ImageChops.difference(a.convert("L"), b.convert("L"))
    return diff.width * diff.height - diff.histogram()[0]


@pytest.mark.parametrize("name", list(CASES))
def test_label_matches_its_golden_image(name: str, tmp_path: Path) -> None:
    stored = GOLDEN / f"{name}.png"
    assert stored.is_file(), f"no golden image {stored}; run: python tests/test_labels_golden.py --update"
    actual = CASES[name]()
    with Image.open(stored) as golden:
        assert actual.size == golden.size, f"{name}: size {actual.size} != golden {golden.size}"
        changed = differing(actual, golden)
    if changed > TOLERANCE * actual.width * actual.height:
        actual.save(tmp_path / f"{name}.png")
        pytest.fail(
            f"{name}: {changed} pixels differ from {stored}; the new image is {tmp_path / f'{name}.png'}"
        )


def test_the_check_notices_a_change() -> None:
    actual = CASES["item-document"]()
    moved = Image.new("1", actual.size, 1)
    moved.paste(actual.crop((0, 0, actual.width - 2, actual.height)), (2, 0))  # the whole label 2 dots right
    assert differing(actual, moved) > TOLERANCE * actual.width * actual.height


def update() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, make in CASES.items():
        image = make()
        image.save(GOLDEN / f"{name}.png", dpi=image.info["dpi"], optimize=True)
        print(GOLDEN / f"{name}.png", image.size)


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_labels_golden.py --update")
    update()
