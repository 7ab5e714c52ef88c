"""Every runnable example in the docs runs (STYLE.md habit 10).

A fenced block whose info string is `sh runnable` is extracted; the blocks of
one document run in order, in one shell, against a temporary home, and must
exit 0. Blocks marked plain `sh` are illustrations (hardware, systemd, CUPS)
and are not run.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```sh runnable\n(.*?)^```", re.S | re.M)
BIN = Path(sys.executable).parent


def runnable(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


DOCUMENTS = sorted(p for p in DOCS.glob("*.md") if runnable(p))


def test_the_guides_have_runnable_examples():
    names = {p.name for p in DOCUMENTS}
    assert {"operator-guide.md", "admin-guide.md", "closing.md"} <= names, names


@pytest.mark.slow  # every document runs the real `custody` many times: 10–25 s each
@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: p.name)
def test_examples_run(doc, tmp_path):
    script = "set -eu\n" + "\n".join(runnable(doc))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env.update(
        CUSTODY_HOME=str(tmp_path / "home"),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        WORK=str(tmp_path),
    )
    proc = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"{doc.name} examples failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


def test_shell_is_there():
    assert shutil.which("bash")
