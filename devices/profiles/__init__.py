"""Scanner model profiles: the bytes that make a serial scanner beep.

Each profile is a JSON file here (`good`, `error`, the model it fits and the
scanner setting it needs). Unknown outcomes and scanners without a profile
get nothing: the `default` profile sends no bytes. A profile may also name
the keyboard `layout` (us, fr, de) its scanner types in keyboard-wedge
mode; `--layout` overrides it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from custody.errors import InvalidInput
from custody.messages import listed
from devices.layouts import layout_named

DEFAULT = "default"


@dataclass(frozen=True)
class Profile:
    name: str
    model: str
    good: bytes
    error: bytes
    setup_zh: str = ""
    setup_en: str = ""
    layout: str = ""  # keyboard layout in keyboard-wedge mode; '' leaves the default (us)


def profile_names() -> list[str]:
    """The shipped profiles, sorted."""
    return sorted(
        entry.name.removesuffix(".json")
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(".json")
    )


def load_profile(name: str = DEFAULT) -> Profile:
    """The profile called `name`; raises InvalidInput naming the known ones."""
    names = profile_names()
    if name not in names:
        raise InvalidInput("no scanner profile {name!r}; known: {names}", name=name, names=listed(names))
    data = json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8"))
    return parse_profile(name, data)


def parse_profile(name: str, data: dict[str, str]) -> Profile:
    """A profile from its JSON object; a bad `layout` is refused naming the allowed ones."""
    layout = data.get("layout", "")
    return Profile(
        name=name,
        model=data["model"],
        good=data.get("good", "").encode("latin-1"),
        error=data.get("error", "").encode("latin-1"),
        setup_zh=data.get("setup_zh", ""),
        setup_en=data.get("setup_en", ""),
        layout=layout_named(layout).name if layout else "",
    )
