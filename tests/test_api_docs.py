"""docs/api.md's curl examples are run, in order, against a real server; each answer must have the
documented shape and the documented outcome, status, duplicate flag or error."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import Service, admin_reader

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
EXAMPLE = re.compile(r"```sh\n(.*?)```\n```json\n(.*?)```", re.S)
COMPARED = (
    "outcome",
    "duplicate",
    "status",
    "event",
    "device",
    "error",
    "total",
    "limit",
    "offset",
    "next_offset",
    "scan_id",
)


def examples() -> list[tuple[str, Any]]:
    return [(cmd, json.loads(sample)) for cmd, sample in EXAMPLE.findall(DOC.read_text(encoding="utf-8"))]


def check(answer: Any, sample: Any, where: str) -> None:
    assert type(answer) is type(sample), where
    if isinstance(sample, dict):
        assert set(answer) == set(sample), f"{where}: keys {sorted(answer)} != {sorted(sample)}"
        for key in COMPARED:
            if key in sample and not isinstance(sample[key], (dict, list)):
                assert answer[key] == sample[key], (
                    f"{where}: {key} is {answer[key]!r}, documented {sample[key]!r}"
                )
        if "answers" in sample:
            assert len(answer["answers"]) == len(sample["answers"]), where
            for n, (a, s) in enumerate(zip(answer["answers"], sample["answers"], strict=True)):
                check(a, s, f"{where} answers[{n}]")


def test_the_docs_have_examples_for_every_endpoint_kind() -> None:
    text = " ".join(cmd for cmd, _ in examples())
    for path in (
        "/api/v1/scans",
        "/api/v1/scans/batch",
        "/api/v1/stations/events",
        "/api/v1/items",
        "/api/v1/health",
    ):
        assert path in text
    assert len(examples()) >= 9


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_the_curl_examples_answer_as_documented(service: Service) -> None:
    if service.office.url == "":
        pytest.skip("the examples run once, on SQLite")
    env = {
        **os.environ,
        "URL": service.url,
        "TOKEN": service.office.tokens["保密室"],
        "ITEM": service.office.secret[0],
        "SESSION": admin_reader(service.office)(),  # a signed-in admin's session (the read examples)
    }
    for n, (cmd, sample) in enumerate(examples()):
        r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 0, f"example {n}: {cmd}\n{r.stderr}"
        assert r.stdout.strip(), f"example {n} printed nothing: {cmd}"
        try:
            answer = json.loads(r.stdout)
        except ValueError:
            raise AssertionError(f"example {n} printed no JSON: {cmd}\n{r.stdout[:300]}") from None
        check(answer, sample, f"example {n}: {cmd.strip().splitlines()[0]}")
