"""The layout DESIGN.md promises, enforced on the source (AST, not grep): `custody/actions/` is
the only writer, and custody/ imports no edge packages outside custody/cli/.

What counts as a write (outside `custody/actions/`, `custody/store/` and the `append` function
of `custody/ledger/chain.py`, the store's own machinery):

1. A call of a model write method — `create save update delete insert insert_many
   insert_from replace replace_many delete_instance bulk_create bulk_update get_or_create` —
   whose receiver is a table: a name that is a declared table class (`Item.update(...)`, also
   when a local is named like one: `Item = store.m.Item`) or an attribute naming one
   (`store.m.Item.create(...)`, `m.Tag.insert(...)`). The declared table names are read from
   the `class X(Base)` statements of custody/models/. Receivers that are anything else (a dict,
   a set, a hash, a string) are not tables, so `dict.update`, `set.update`, `hashlib…update` and
   `str.replace` are never flagged.
2. A call of `save()` or `delete_instance()` on any receiver: only model rows have these, so a
   row variable (`row.save()`) is caught without knowing its type.
3. A call of the ledger's `append`: `ledger.append(…)`, `chain.append(…)`, or `append(…)`
   imported from `custody.ledger.chain`.
4. A string that is SQL writing a table: it starts (after blanks) with `INSERT [OR …] INTO`,
   `REPLACE INTO`, `UPDATE <name> SET` or `DELETE FROM` (any case; f-strings by their first
   literal part). Docstrings are prose, not SQL, and are skipped.

Imports: no `web`, `devices`, `labels`, `bottle`, `serial`, `evdev`, `PIL` (or their
submodules) anywhere under custody/ except custody/cli/.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CUSTODY = ROOT / "custody"

WRITE_METHODS = {
    "create",
    "save",
    "update",
    "delete",
    "insert",
    "insert_many",
    "insert_from",
    "replace",
    "replace_many",
    "delete_instance",
    "bulk_create",
    "bulk_update",
    "get_or_create",
}
ROW_ONLY_METHODS = {"save", "delete_instance"}
FORBIDDEN_IMPORTS = {"web", "devices", "labels", "bottle", "serial", "evdev", "PIL"}
SQL_WRITE = re.compile(
    r"^\s*(INSERT\s+(OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE\s+[\w\"]+\s+SET|DELETE\s+FROM)\b", re.I
)


def table_names() -> set[str]:
    """Every table class declared in custody/models/ (a class deriving from Base or a table)."""
    names = {"Base"}
    changed = True
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in sorted((CUSTODY / "models").glob("*.py"))]
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        changed = True
    names.discard("Base")
    return names


TABLES = table_names()


def may_write(rel: str) -> bool:
    return rel.startswith(("custody/actions/", "custody/store/"))


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _is_table(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in TABLES
    if isinstance(node, ast.Attribute):
        return node.attr in TABLES
    return False


def _enclosing_functions(tree: ast.AST) -> dict[int, str]:
    """id(node) -> the name of the outermost function it is in."""
    where: dict[int, str] = {}
    for top in ast.walk(tree):
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(top):
                where.setdefault(id(node), top.name)
    return where


def violations(rel: str, source: str) -> list[str]:
    """What in `source` (the file custody/… at `rel`) breaks the layout, as `path:line: why`."""
    tree = ast.parse(source)
    found: list[str] = []
    top = rel.split("/")[1] if rel.count("/") >= 1 else ""
    if top != "cli":
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FORBIDDEN_IMPORTS:
                    found.append(f"{rel}:{node.lineno}: imports {name} (only custody/cli/ may)")
    if may_write(rel):
        return found
    in_function = _enclosing_functions(tree)
    chain_append = rel == "custody/ledger/chain.py"
    appends = {"append"} & {
        a.asname or a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module == "custody.ledger.chain"
        for a in n.names
    }
    docs = _docstrings(tree)  # prose, not SQL; nor are an f-string's parts read twice:
    docs |= {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if chain_append and in_function.get(id(node)) == "append":
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, receiver = node.func.attr, node.func.value
            if method in WRITE_METHODS and _is_table(receiver):
                found.append(f"{rel}:{node.lineno}: writes a table ({ast.unparse(node.func)})")
            elif method in ROW_ONLY_METHODS:
                found.append(f"{rel}:{node.lineno}: writes a row ({ast.unparse(node.func)})")
            elif method == "append" and (
                (isinstance(receiver, ast.Name) and receiver.id in ("ledger", "chain"))
                or (isinstance(receiver, ast.Attribute) and receiver.attr in ("ledger", "chain"))
            ):
                found.append(f"{rel}:{node.lineno}: appends to the ledger ({ast.unparse(node.func)})")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in appends:
            found.append(f"{rel}:{node.lineno}: appends to the ledger (append from custody.ledger.chain)")
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            text = str(node.values[0].value)
        if text is not None and SQL_WRITE.match(text):
            found.append(f"{rel}:{node.lineno}: writes with raw SQL ({text.strip()[:40]!r})")
    return found


def all_violations() -> list[str]:
    found: list[str] = []
    for path in sorted(CUSTODY.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        found += violations(rel, path.read_text(encoding="utf-8"))
    return found


def test_only_actions_write_and_no_edge_imports():
    found = all_violations()
    assert not found, "\n".join(found)


# --- the checker itself --------------------------------------------------------------------------

WRITES = """
from custody.ledger import chain as ledger
from custody.ledger.chain import append
from custody.models.core import Item

def f(store, row, m):
    Item.update(status="out").execute()
    store.m.Tag.create(code="x")
    m.Event.insert_many([]).execute()
    row.save()
    row.delete_instance()
    ledger.append(store, "x", None, actor="a", data={})
    append(store, "x", None, actor="a", data={})
    store.db.execute_sql("INSERT INTO item (code) VALUES (?)")
    store.db.execute_sql(f"update station_session SET x = {1}")
    sql = "  DELETE FROM scan WHERE id = ?"
"""

HARMLESS = '''
"""Update the docs: INSERT INTO nowhere (a docstring)."""
import hashlib

def g(store, d, s, text, items):
    """Delete from the list what is gone."""
    d.update({"a": 1})
    s.update({1})
    hashlib.sha256().update(b"x")
    text.replace("a", "b")
    items.append(1)
    store.m.Item.select().where(store.m.Item.code == "x")
    msg = "update the station"
    q = "SELECT * FROM item"
'''


def test_the_checker_flags_every_kind_of_write_outside_actions():
    found = violations("custody/reports/snippet.py", WRITES)
    assert len(found) == 10, "\n".join(found)
    assert violations("custody/actions/snippet.py", WRITES) == []  # the one writer
    assert violations("custody/store/snippet.py", WRITES) == []


def test_the_checker_has_no_false_positives():
    assert violations("custody/reports/snippet.py", HARMLESS) == []


def test_the_chain_may_append_only_inside_its_append():
    src = 'def append(db):\n    db.execute_sql("INSERT INTO event VALUES (1)")\n\ndef other(db):\n    db.execute_sql("UPDATE ledger_head SET seq = 0")\n'
    found = violations("custody/ledger/chain.py", src)
    assert len(found) == 1 and ":5:" in found[0]


def test_the_checker_flags_edge_imports_outside_the_cli():
    src = "import web.api\nfrom devices import agent\nfrom labels.render import x\nimport bottle\nimport serial\nfrom PIL import Image\nimport evdev\n"
    assert len(violations("custody/scan/snippet.py", src)) == 7
    assert violations("custody/cli/snippet.py", src) == []
    assert violations("custody/scan/ok.py", "import webbrowser\nfrom custody.labels_x import y\n") == []


def test_the_table_names_are_read_from_the_models():
    assert {"Item", "Person", "Station", "Tag", "Event", "Scan", "StationSession", "SweepRecord"} <= TABLES
