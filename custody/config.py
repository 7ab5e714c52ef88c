"""Configuration, read in one place (STYLE.md habit 5): nothing else reads os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from custody.messages import lang_of

DB_FILE = "custody.db"  # the SQLite database in the data directory (docs: $CUSTODY_HOME/custody.db)


@dataclass(frozen=True)
class Config:
    home: Path
    db_url: str
    lang: str | None  # None: use the database setting (default zh)
    debug: bool = False
    actor: str = "cli"  # who the CLI acts as, in the ledger (P23)


def _login_name() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid{os.getuid()}"


def default_home(env: Mapping[str, str]) -> Path:
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path(env.get("HOME", "~")).expanduser() / ".local" / "share"
    return base / "custody"


def load(
    env: Mapping[str, str] | None = None,
    home: str | None = None,
    db: str | None = None,
    lang: str | None = None,
    debug: bool = False,
) -> Config:
    """Options win over the environment (CUSTODY_HOME, CUSTODY_DB, CUSTODY_LANG)."""
    env = os.environ if env is None else env
    home_path = Path(home or env.get("CUSTODY_HOME") or default_home(env)).expanduser()
    url = db or env.get("CUSTODY_DB") or f"sqlite:///{home_path / DB_FILE}"
    chosen = lang or env.get("CUSTODY_LANG") or None
    user = env.get("SUDO_USER") or env.get("USER") or env.get("LOGNAME") or _login_name()
    return Config(
        home=home_path, db_url=url, lang=lang_of(chosen) if chosen else None, debug=debug, actor=f"cli:{user}"
    )
