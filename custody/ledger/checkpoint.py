"""Signed checkpoints of the ledger head: an anchor for the chain outside the database.

A hash chain alone can be rewritten wholesale by whoever can write the file. A
checkpoint is the head's sequence number and hash, the time, and the id of the
key that signed it, signed with Ed25519 by a key kept in the home, never in
the database (`<home>/checkpoint.key`, mode 0600). Checkpoints are kept under
`<home>/checkpoints/` and sent with each closing sweep's notification, so that
copies live off the machine. The ledger *extends* a checkpoint when its event
at that sequence number exists and has that hash; with the chain walk of
`custody verify`, that proves the history up to the checkpoint unchanged.
See SECURITY.md for what this does and does not prove.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from custody.config import make_private_dir, write_private
from custody.errors import InvalidInput, StorageError
from custody.ledger.chain import GENESIS, canonical
from custody.messages import Msg
from custody.models.core import to_text

if TYPE_CHECKING:
    from custody.store.core import Store

KEY_FILE = "checkpoint.key"
CHECKPOINT_DIR = "checkpoints"
FORMAT = "custody-checkpoint/1"
FIELDS = ("format", "seq", "hash", "at", "key_id", "signature")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    signature: str = ""
    format: str = FORMAT

    def signed_bytes(self) -> bytes:
        """What the signature covers: every field but the signature, as canonical JSON."""
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        return canonical(body).encode("utf-8")

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in FIELDS}

    @classmethod
    def from_json(cls, value: Any, source: str) -> Checkpoint:
        """A checkpoint read back (from a file or a notification); InvalidInput naming `source`."""
        if not isinstance(value, dict) or value.get("format") != FORMAT or set(value) != set(FIELDS):
            raise InvalidInput("{source} is not a custody checkpoint", source=source)
        seq, digest = value["seq"], value["hash"]
        texts = (digest, value["at"], value["key_id"], value["signature"])
        if (
            not isinstance(seq, int)
            or isinstance(seq, bool)
            or seq < 0
            or not all(isinstance(t, str) for t in texts)
        ):
            raise InvalidInput("{source} is not a custody checkpoint", source=source)
        return cls(seq, digest, value["at"], value["key_id"], value["signature"], value["format"])

    @classmethod
    def read(cls, path: Path) -> Checkpoint:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput("{source} is not a custody checkpoint", source=str(path)) from None
        return cls.from_json(value, str(path))

    def file_name(self) -> str:
        try:
            stamp = datetime.fromisoformat(self.at).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        except ValueError:
            stamp = "undated"
        return f"checkpoint-{self.seq:09d}-{stamp}.json"


# --- keys -----------------------------------------------------------------------------------


def key_id(public: Ed25519PublicKey) -> str:
    """A short, stable name of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a PEM file (what `custody checkpoint --public-key` prints)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except ValueError:
        raise InvalidInput("{path} is not an Ed25519 public key in PEM form", path=str(path)) from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput("{path} is not an Ed25519 public key in PEM form", path=str(path))
    return key


def signature_problem(cp: Checkpoint, public: Ed25519PublicKey) -> Msg | None:
    """None when `cp` was signed by `public`'s private half and is unchanged since."""
    ours = key_id(public)
    if cp.key_id != ours:
        return Msg("signed by key {theirs}, not by this key ({ours})", {"theirs": cp.key_id, "ours": ours})
    try:
        public.verify(base64.b64decode(cp.signature, validate=True), cp.signed_bytes())
    except (InvalidSignature, ValueError):
        return Msg("the signature does not match its content (the checkpoint was changed or forged)")
    return None


def extension_problem(store: Store, cp: Checkpoint) -> Msg | None:
    """None when the ledger extends `cp`: its event at `cp.seq` exists and has `cp.hash`."""
    if cp.seq == 0:
        return None if cp.hash == GENESIS else Msg("a checkpoint of an empty ledger must have the zero hash")
    Event = store.m.Event  # noqa: N806 - the store's table
    event = Event.get_or_none(Event.seq == cp.seq)
    if event is None:
        head = Event.select(Event.seq).order_by(Event.seq.desc()).first()
        return Msg(
            "the ledger has no event #{seq} (it ends at #{head}): events were removed",
            {"seq": cp.seq, "head": head.seq if head else 0},
        )
    if event.hash != cp.hash:
        return Msg(
            "event #{seq} has hash {found}, the checkpoint says {signed}: the history up to it was rewritten",
            {"seq": cp.seq, "found": event.hash[:16], "signed": cp.hash[:16]},
        )
    return None


class Keeper:
    """A home's signing key and its kept checkpoints (whoever knows the home makes one: the CLI)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.key_path = home / KEY_FILE
        self.dir = home / CHECKPOINT_DIR

    def ensure_key(self) -> bool:
        """Create the signing key if there is none (never overwritten); True when created now."""
        make_private_dir(self.home)
        if self.key_path.exists():
            return False
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            write_private(self.key_path, pem)
        except FileExistsError:  # made by another process meanwhile: keep that one
            return False
        return True

    def private_key(self) -> Ed25519PrivateKey:
        try:
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        except FileNotFoundError:
            raise StorageError(
                "no checkpoint signing key at {path}: run custody init", path=str(self.key_path)
            ) from None
        except ValueError:
            raise StorageError("{path} is not an Ed25519 private key", path=str(self.key_path)) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise StorageError("{path} is not an Ed25519 private key", path=str(self.key_path))
        return key

    def public_key(self) -> Ed25519PublicKey:
        return self.private_key().public_key()

    def sign(self, seq: int, digest: str, at: datetime) -> Checkpoint:
        key = self.private_key()
        unsigned = Checkpoint(seq, digest, to_text(at), key_id(key.public_key()))
        signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode("ascii")
        return Checkpoint(unsigned.seq, unsigned.hash, unsigned.at, unsigned.key_id, signature)

    def keep(self, cp: Checkpoint, out: Path | None = None) -> Path:
        """Write `cp` under the home's checkpoints (and to `out`), mode 0600; returns the kept file."""
        make_private_dir(self.dir)
        text = (json.dumps(cp.to_json(), indent=2) + "\n").encode("utf-8")
        kept = self.dir / cp.file_name()
        if not kept.exists():
            write_private(kept, text)
        if out is not None:
            write_private(out, text, replace=True)
        return kept

    def checkpoint(self, store: Store, out: Path | None = None) -> tuple[Checkpoint, Path]:
        """Sign the ledger's committed head now and keep it."""
        seq, digest = head(store)
        cp = self.sign(seq, digest, store.now())
        return cp, self.keep(cp, out)

    def find(self, seq: int) -> Checkpoint | None:
        """The first kept checkpoint at or after event `seq` (the one signed just after it was
        committed; later events may have come first on a busy service), if any."""
        if not self.dir.is_dir():
            return None
        kept = []
        for path in self.dir.glob("checkpoint-*-*.json"):
            number = path.name.split("-")[1]
            if number.isdigit() and int(number) >= seq:
                kept.append((int(number), path.name, path))
        return Checkpoint.read(min(kept)[2]) if kept else None


def head(store: Store) -> tuple[int, str]:
    """The ledger head (sequence number and hash) as committed."""
    LedgerHead = store.m.LedgerHead  # noqa: N806 - the store's table
    with store.reading():
        row = LedgerHead.get_or_none(LedgerHead.id == 1)
    return (row.seq, row.hash) if row is not None else (0, GENESIS)


__all__ = [
    "Checkpoint",
    "Keeper",
    "extension_problem",
    "head",
    "key_id",
    "load_public_key",
    "public_pem",
    "signature_problem",
]
