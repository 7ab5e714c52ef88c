"""The CJK font labels are drawn with.

By default the Simplified Chinese faces of Noto Sans CJK, shipped by the PyPI
package `noto-cjk-sans-otc` (SIL Open Font License 1.1; see
`labels/fonts/README.md`), so labels render after a plain `pip install`
without root or a system font package. A system font file can be given
instead. Bold is emulated with a stroke (the package ships Regular only).

A character the font lacks is refused with its name rather than drawn as an
empty box.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from custody.errors import CustodyError

SANS_FACE = "Noto Sans CJK SC"
MONO_FACE = "Noto Sans Mono CJK SC"
PACKAGE = "noto-cjk-sans-otc"

_NOTDEF = "\U0010ffff"  # a noncharacter: every font draws it with glyph 0 (.notdef)
_PROBE_PX = 32
_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf"}  # spaces, controls and format characters draw nothing anyway


class FontMissing(CustodyError):
    """The label font cannot be found, or lacks a character a label needs."""


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (a .ttc holds several; `index` picks one)."""

    path: Path
    index: int = 0

    def name(self) -> str:
        family, style = _open(self.path, self.index, _PROBE_PX).getname()
        return f"{family} {style}"


@dataclass(frozen=True)
class Fonts:
    """The proportional face for words and the monospace face for codes."""

    sans: FontFace
    mono: FontFace
    _glyphs: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: str | Path | None = None, mono_path: str | Path | None = None) -> Fonts:
        """The packaged Noto Sans CJK SC, or the font file at `path` (a .ttf, .otf or .ttc).

        From a collection the face whose name ends in "SC" (Simplified
        Chinese) is chosen; `mono_path` defaults to the same file.
        """
        if path is None:
            file = _packaged_font()
            return cls(
                FontFace(file, _face_index(file, SANS_FACE)), FontFace(file, _face_index(file, MONO_FACE))
            )
        file = _existing(Path(path))
        mono_file = _existing(Path(mono_path)) if mono_path is not None else file
        return cls(
            FontFace(file, _pick_sc(file, mono=False)), FontFace(mono_file, _pick_sc(mono_file, mono=True))
        )

    def sans_font(self, px: int) -> ImageFont.FreeTypeFont:
        return _open(self.sans.path, self.sans.index, px)

    def mono_font(self, px: int) -> ImageFont.FreeTypeFont:
        return _open(self.mono.path, self.mono.index, px)

    def missing(self, text: str, *, mono: bool = False) -> str:
        """The characters of `text` the face has no glyph for, each once, in order."""
        face = self.mono if mono else self.sans
        out: list[str] = []
        for ch in dict.fromkeys(text):
            if unicodedata.category(ch) in _INVISIBLE:
                continue
            key = f"{int(mono)}{ch}"
            if key not in self._glyphs:
                self._glyphs[key] = _has_glyph(face, ch)
            if not self._glyphs[key]:
                out.append(ch)
        return "".join(out)

    def require(self, text: str, *, mono: bool = False) -> None:
        """Refuse text the font cannot draw, naming the characters and the font."""
        lacking = self.missing(text, mono=mono)
        if lacking:
            face = self.mono if mono else self.sans
            raise FontMissing(
                "the label font {path} ({face}) has no glyph for: {missing}; use a font that has them",
                path=face.path,
                face=face.name(),
                missing=lacking,
            )


@lru_cache(maxsize=1)
def default_fonts() -> Fonts:
    """The packaged fonts, loaded once per process."""
    return Fonts.load()


@lru_cache(maxsize=256)
def _open(path: Path, index: int, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), px, index=index, layout_engine=ImageFont.Layout.BASIC)


def _has_glyph(face: FontFace, ch: str) -> bool:
    font = _open(face.path, face.index, _PROBE_PX)
    notdef = font.getmask(_NOTDEF)
    mask = font.getmask(ch)
    return mask.size != notdef.size or bytes(mask) != bytes(notdef)


def _packaged_font() -> Path:
    try:
        import noto_cjk_sans_otc
    except ImportError:
        raise FontMissing(
            "no CJK font for labels: the Python package {package} is not installed "
            "(pip install {package}) and no font file was given (e.g. NotoSansCJK-Regular.ttc)",
            package=PACKAGE,
        ) from None
    return _existing(Path(str(noto_cjk_sans_otc.FONT_PATH)))


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise FontMissing("label font file not found: {path}", path=path)
    return path


def _faces(path: Path) -> list[str]:
    names: list[str] = []
    while True:
        try:
            family, _style = _open(path, len(names), _PROBE_PX).getname()
        except OSError:
            if not names:
                raise FontMissing(
                    "cannot read the label font file {path} (not a TrueType/OpenType font?)", path=path
                ) from None
            return names
        names.append(family or "")


def _face_index(path: Path, family: str) -> int:
    faces = _faces(path)
    if family not in faces:
        raise FontMissing(
            "the font file {path} has no face {family} (it has: {faces})",
            path=path,
            family=family,
            faces=", ".join(faces),
        )
    return faces.index(family)


def _pick_sc(path: Path, *, mono: bool) -> int:
    """The Simplified Chinese face of a collection (monospace if asked and present), else face 0."""
    faces = _faces(path)
    sc = [i for i, name in enumerate(faces) if name.endswith("SC")]
    for i in sc:
        if ("Mono" in faces[i]) == mono:
            return i
    return sc[0] if sc else 0
