"""The commands of an item's whole life through the real console script (issue 13): copy, destroy,
return-to-issuer, due-back, lost/found, request/approve/reject, review-outcome, violations, and the
old spellings that keep working (`check-out --approver`, `approve CODE --for --by`)."""

import json

import pytest
from test_cli import prepared_home, run

PEOPLE = (
    ("station", "add", "保密室", "--kind", "safe"),
    ("person", "add", "张三", "--badge", "B001", "--clearance", "机密", "--dept", "综合科"),
    ("person", "add", "李四", "--badge", "B002", "--clearance", "机密"),
    ("person", "add", "王主任", "--badge", "L001", "--clearance", "top-secret", "--role", "leader"),
    ("person", "add", "孙主任", "--badge", "L002", "--clearance", "top-secret", "--role", "leader"),
    ("person", "add", "赵保密员", "--badge", "C001", "--clearance", "top-secret", "--role", "custodian"),
)


@pytest.fixture
def home(tmp_path):
    return prepared_home(tmp_path / "home", *PEOPLE)


def receive(home, *extra, level="机密", copies=1):
    out = run(
        home, "item", "receive", "--title", "年度工作要点", "--level", level, "--copies", str(copies), *extra
    )
    return out.stdout.split()


def status(home, code):
    return json.loads(run(home, "item", "show", code, "--json").stdout)["status"]


def violations(home):
    return json.loads(run(home, "violations", "--json").stdout)


def test_copy_prints_the_new_codes_and_a_refusal_names_the_rule(home, tmp_path):
    (code,) = receive(home, "--doc-no", "办发〔2026〕12号", "--issuer", "县委办公室")
    p = run(home, "copy", code, "--copies", "2", "--by", "C001", ok=False)
    assert p.returncode == 1 and "[P16]" in p.stdout and "需要领导批准" in p.stdout
    p = run(
        home,
        "copy",
        code,
        "--copies",
        "2",
        "--by",
        "C001",
        "--approved-by",
        "L001",
        "--for",
        "综合科",
        "--json",
    )
    made = json.loads(p.stdout)
    assert [m["copy_no"] for m in made] == ["000002", "000003"] and all(m["status"] == "in" for m in made)
    # a copy is lent like an original
    run(home, "check-out", made[0]["code"], "--to", "B001")
    assert status(home, made[0]["code"]) == "out"
    assert violations(home)[0]["rule"] == "P16"


def test_no_copy_and_due_back_at_receipt(home):
    (code,) = receive(home, "--no-copy", "--due-back", "2099-12-31")
    p = run(home, "copy", code, "--by", "C001", "--approved-by", "L001", ok=False)
    assert p.returncode == 1 and "不得复制" in p.stdout
    p = run(home, "item", "receive", "--title", "x", "--level", "机密", "--due-back", "2000-01-01", ok=False)
    assert p.returncode == 1 and "已过" in p.stderr
    p = run(
        home, "item", "receive", "--title", "x", "--level", "秘密", "--period", "until:2099-01-01", ok=False
    )
    assert p.returncode == 1 and "最长10年" in p.stderr


def test_destroy_lists_every_copy_and_what_is_not_accounted_for(home):
    a, b, c = receive(home, "--doc-no", "办发〔2026〕13号", "--issuer", "县委办公室", copies=3)
    run(home, "check-out", c, "--to", "B001")
    p = run(
        home,
        "destroy",
        a,
        "--by",
        "C001",
        "--approved-by",
        "L001",
        "--witness",
        "C001",
        "--witness",
        "B002",
        ok=False,
    )
    assert p.returncode == 1 and "[P18]" in p.stdout and status(home, a) == "in"
    p = run(
        home,
        "destroy",
        c,
        "--by",
        "C001",
        "--approved-by",
        "L001",
        "--witness",
        "B001",
        "--witness",
        "B002",
        ok=False,
    )
    assert "须先归还" in p.stdout
    p = run(
        home,
        "destroy",
        a,
        "--whole-document",
        "--by",
        "C001",
        "--approved-by",
        "L001",
        "--witness",
        "B001",
        "--witness",
        "B002",
        "--method",
        "粉碎",
        "--json",
    )
    data = json.loads(p.stdout)
    assert [o["outcome"] for o in data["outcomes"]] == ["destroyed", "destroyed"]
    assert {r["code"]: r["accounted"] for r in data["document"]} == {a: True, b: True, c: False}
    assert status(home, a) == status(home, b) == "destroyed"
    # never again: check-out, copy, return to issuer
    assert run(home, "check-out", a, "--to", "B001", ok=False).returncode == 1
    assert run(home, "copy", a, "--by", "C001", "--approved-by", "L001", ok=False).returncode == 1
    assert run(home, "return-to-issuer", a, "--by", "C001", ok=False).returncode == 1
    run(home, "verify")


def test_return_to_issuer_and_due_back(home):
    a, b = receive(home, copies=2)
    run(home, "check-out", b, "--to", "B001")
    p = run(home, "return-to-issuer", a, b, "--by", "C001", ok=False)
    assert p.returncode == 1 and "[P17]" in p.stdout and status(home, a) == "in"  # all or nothing
    assert run(home, "due-back", a, "--date", "2000-01-01", "--by", "C001", ok=False).returncode == 1
    run(home, "due-back", a, "--date", "2099-01-01", "--by", "C001")
    p = run(home, "return-to-issuer", a, "--by", "C001", "--ref", "清退单7")
    assert p.stdout.startswith("returned_to_issuer") and status(home, a) == "returned-to-issuer"
    run(home, "verify")


def test_lost_and_found(home):
    (code,) = receive(home)
    p = run(home, "lost", code, "--by", "B001", "--note", "会后未找到")
    assert p.stdout.startswith("reported_lost") and status(home, code) == "lost"
    assert json.loads(run(home, "item", "show", code, "--json").stdout)["flags"] == ["lost"]
    assert "报失" in run(home, "item", "show", code).stdout
    assert run(home, "found", code, "--by", "C001", ok=False).returncode == 1  # a leader resolves it
    run(home, "found", code, "--by", "L001")
    assert status(home, code) == "in"
    run(home, "lost", code, "--by", "B001")
    run(home, "lost", code, "--confirm", "--by", "L001")
    assert status(home, code) == "lost" and run(home, "found", code, "--by", "L001", ok=False).returncode == 1
    assert any(v["kind"] == "lost" and v["rule"] == "P19" for v in violations(home))
    run(home, "verify")


def test_requests_are_listed_approved_by_another_leader_and_used(home):
    (top,) = receive(home, level="绝密")
    p = run(home, "request", "check-out", top, "--by", "L002", "--hours", "4", "--json")
    ref = json.loads(p.stdout)["outcomes"][0]["request"]
    pending = json.loads(run(home, "request", "list", "--json").stdout)
    assert [r["id"] for r in pending] == [ref] and pending[0]["status"] == "pending"
    p = run(home, "approve", ref, "--by", "L002", ok=False)  # their own request
    assert p.returncode == 1 and "[P10]" in p.stdout
    run(home, "approve", ref, "--by", "L001")
    assert "no request is pending" in run(home, "--lang", "en", "request", "list").stdout
    run(home, "check-out", top, "--to", "L002")
    assert status(home, top) == "out"


def test_reject_needs_a_reason_and_the_old_approve_still_works(home):
    (code,) = receive(home, level="绝密")
    ref = json.loads(run(home, "request", "copy", code, "--by", "C001", "--json").stdout)["outcomes"][0][
        "request"
    ]
    assert run(home, "reject", ref, "--by", "L001", ok=False).returncode == 2
    assert run(home, "reject", ref, "--by", "L001", "--reason", "无必要").stdout.startswith("rejected")
    run(home, "approve", code, "--for", "B001", "--by", "L001")  # the first spelling
    assert run(home, "approve", code, "--by", "L001", ok=False).returncode == 2  # --for is needed for an item


def test_check_out_with_an_inactive_leader_is_refused(home):
    """Regression: `check-out --approver` naming an inactive leader let a top-secret loan through."""
    (top,) = receive(home, level="绝密")
    run(home, "person", "deactivate", "L002")
    for spelling in ("--approver", "--approved-by"):  # the first spelling still works
        p = run(home, "check-out", top, "--to", "C001", spelling, "L002", ok=False)
        assert p.returncode == 1 and "[P10]" not in p.stderr and status(home, top) == "in"
    run(home, "check-out", top, "--to", "C001", "--approver", "L001")
    assert status(home, top) == "out"


def test_review_outcome_is_recorded(home):
    (code,) = receive(home, "--period", "5y", level="秘密")
    p = run(
        home,
        "review-outcome",
        code,
        "--by",
        "L001",
        "--outcome",
        "extend",
        "--period",
        "until:2099-01-01",
        ok=False,
    )
    assert p.returncode == 1 and "[P4]" in p.stdout
    run(home, "review-outcome", code, "--by", "L001", "--outcome", "extend", "--period", "10y")
    assert json.loads(run(home, "item", "show", code, "--json").stdout)["period"] == "10y"
    run(home, "review-outcome", code, "--by", "L001", "--outcome", "declassify")
    assert json.loads(run(home, "item", "show", code, "--json").stdout)["level"] == "unclassified"
    run(home, "verify")


def test_every_new_command_has_help_with_an_example():
    import click
    from click.testing import CliRunner

    from custody.cli import lifecycle
    from custody.cli.main import cli

    def leaves(cmd, path):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                yield from leaves(sub, [*path, name])
        else:
            yield path

    names = [
        c.name
        for c in (
            lifecycle.copy_cmd,
            lifecycle.destroy_cmd,
            lifecycle.return_to_issuer_cmd,
            lifecycle.due_back_cmd,
            lifecycle.lost_cmd,
            lifecycle.found_cmd,
            lifecycle.request_group,
            lifecycle.reject_cmd,
            lifecycle.review_outcome_cmd,
            lifecycle.violations_cmd,
        )
    ]
    paths = [p for name in names for p in leaves(cli.commands[name], [name])]
    assert len(paths) == 13
    for path in [*paths, ["approve"], ["check-out"], ["item", "receive"]]:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, path


def test_the_new_registers_print_as_json_csv_and_pdf(home, tmp_path):
    a, b = receive(home, "--doc-no", "办发〔2026〕14号", "--issuer", "县委办公室", copies=2)
    (top,) = receive(home, level="绝密")
    run(home, "copy", a, "--by", "C001", "--approved-by", "L001")
    run(home, "destroy", b, "--by", "C001", "--approved-by", "L001", "--witness", "B001", "--witness", "B002")
    run(home, "return-to-issuer", a, "--by", "C001")
    for kind, title in (
        ("copies", "复制登记簿"),
        ("销毁", "销毁登记簿"),
        ("清退", "清退登记簿"),
        ("top-secret", "绝密文件登记簿"),
    ):
        data = json.loads(run(home, "register", kind, "--json").stdout)
        assert data["title"] == title and (data["rows"] or kind == "top-secret"), kind
    data = json.loads(run(home, "register", "绝密", "--json").stdout)
    assert [r["code"] for r in data["rows"]] == [top]
    csv_file, pdf = tmp_path / "d.csv", tmp_path / "d.pdf"
    run(home, "register", "destructions", "--csv", str(csv_file), "--pdf", str(pdf))
    assert "监销人" in csv_file.read_text(encoding="utf-8-sig") and pdf.read_bytes().startswith(b"%PDF")
