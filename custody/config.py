"""Configuration, read in one place (STYLE.md habit 5): nothing else reads os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from custody.messages import lang_of

DB_FILE = "custody.db"  # the SQLite database in the data directory (docs: $CUSTODY_HOME/custody.db)
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600  # the home and what custody writes there, whatever the umask


@dataclass(frozen=True)
class Config:
    home: Path
    db_url: str
    lang: str | None  # None: use the database setting (default zh)
    debug: bool = False
    actor: str = "cli"  # who the CLI acts as, in the ledger (P23): `cli:<the process's OS account>`


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
    # the OS account this process runs as, never USER or LOGNAME (anyone can set those, P23)
    user = _login_name()
    return Config(
        home=home_path, db_url=url, lang=lang_of(chosen) if chosen else None, debug=debug, actor=f"cli:{user}"
    )


def make_private_dir(path: Path) -> None:
    """Create `path` (and its parents) if missing; the directory itself is made mode 0700 whatever
    the umask. An existing directory is left as its owner set it (`custody init` tightens the home)."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=PRIVATE_DIR)
    except FileExistsError:  # made by another process meanwhile
        return
    os.chmod(path, PRIVATE_DIR)


def tighten_home(path: Path) -> None:
    """The home, created or made 0700 (`custody init`): it holds the database and the signing key."""
    make_private_dir(path)
    if path.stat().st_mode & 0o077:
        os.chmod(path, PRIVATE_DIR)


def create_private(path: Path, *, replace: bool = False) -> int:
    """Open a new file for writing, mode 0600 whatever the umask; with `replace`, an existing file
    is truncated and made 0600. Raises FileExistsError otherwise. Returns the descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write `data` to a new file of mode 0600 (see `create_private`)."""
    with os.fdopen(create_private(path, replace=replace), "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
