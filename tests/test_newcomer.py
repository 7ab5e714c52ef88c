"""A newcomer's first hour (issue 17): the small things a new user trips on, each pinned down."""

import json
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from test_cli import CUSTODY, SAFE, prepared_home, run

ROOT = Path(__file__).resolve().parents[1]
PO_DIR = ROOT / "custody" / "messages" / "zh"
LOCAL_TIME = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"


@pytest.fixture
def home(tmp_path):
    return prepared_home(
        tmp_path / "home",
        SAFE,
        ("person", "add", "张三", "--badge", "B001", "--clearance", "机密"),
        ("person", "add", "赵敏", "--badge", "C001", "--clearance", "绝密", "--role", "custodian"),
    )


def receive(home: Path, *extra: str, level: str = "机密", copies: int = 1) -> list[str]:
    args = ("item", "receive", "--title", "年度工作要点", "--level", level, "--copies", str(copies))
    return run(home, *args, *extra).stdout.split()


def test_lang_may_follow_the_command(home):
    """`custody out --lang en` was a usage error: --lang worked only before the command."""
    code = receive(home)[0]
    after = run(home, "item", "show", code, "--lang", "en").stdout
    assert after.startswith("code ") and "Secret★" not in after  # no period given: the level alone
    assert run(home, "item", "show", code, "--lang=en").stdout == after
    assert run(home, "--lang", "en", "item", "show", code).stdout == after
    assert run(home, "out", "--lang", "en").stdout == "nothing is checked out\n"
    other = home.parent / "other"
    prepared_home(other, SAFE)
    listed = run(home, "item", "list", "--json", "--db", f"sqlite:///{other / 'custody.db'}").stdout
    assert json.loads(listed) == []
    bad = run(home, "out", "--lang", "fr", ok=False)
    assert bad.returncode == 2 and "--lang" in bad.stderr


def test_a_closed_pipe_ends_quietly(home):
    """`custody item show CODE | head -1` ended with `custody: Broken pipe` and exit 1."""
    code = receive(home)[0]
    shell = subprocess.run(
        ["bash", "-c", f'"{CUSTODY}" item show {code} | head -1; echo "status ${{PIPESTATUS[0]}}"'],
        capture_output=True,
        text=True,
        env={"CUSTODY_HOME": str(home), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert shell.stderr == ""
    assert shell.stdout.splitlines()[0].startswith("编码")
    assert shell.stdout.splitlines()[-1] in ("status 0", "status 141")
    proc = subprocess.Popen(  # the reader is gone before a byte is written: the write must fail
        [CUSTODY, "item", "show", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"CUSTODY_HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141
    assert proc.stderr.read() == b""


def test_sweep_help_cites_a_file_the_project_has():
    """`custody sweep --help` cited "DESIGN.md", which the project does not contain."""
    shown = subprocess.run([CUSTODY, "sweep", "--help"], capture_output=True, text=True, timeout=60).stdout
    assert "DESIGN.md" not in shown and "docs/closing.md" in shown
    assert (ROOT / "docs" / "closing.md").exists()


def test_readme_documents_exit_3_and_its_tour_creates_everyone_it_uses():
    """README listed exit codes 0/1/2 only, and its tour used `--by C001` for a person it never created."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"3 `sweep --fail-if-out`", readme)
    tour = readme[readme.index("## A tour of the CLI") :]
    tour = tour[: tour.index("```", tour.index("```sh") + 5)]
    created = set(re.findall(r"person add \S+ --badge (\S+)", tour))
    used = set(re.findall(r"--(?:by|to|for|with|approved-by) ([A-Z]\d{3})\b", tour))
    assert used and used <= created, f"the tour uses {sorted(used - created)} without creating them"


def test_item_show_names_the_document(home):
    """`item show`'s table had no 文号 or 发文机关."""
    code = receive(home, "--doc-no", "办发〔2026〕12号", "--issuer", "县委办公室", "--period", "10y")[0]
    shown = run(home, "item", "show", code).stdout.splitlines()
    assert "文号" in shown[0] and "发文机关" in shown[0]
    assert "办发〔2026〕12号" in shown[2] and "县委办公室" in shown[2]
    english = run(home, "item", "show", code, "--lang", "en").stdout.splitlines()[0]
    assert "doc. no." in english and "issued by" in english


def test_a_period_expired_at_receipt_is_said_in_one_line_and_listed_for_review(home):
    """`--period until:2020-01-01` was accepted without a word. P4: an expired item goes to
    declassification review, never silently declassified; the paper is here, so it is registered."""
    proc = run(
        home, "item", "receive", "--title", "旧文件", "--level", "机密", "--period", "until:2020-01-01"
    )
    (code,) = proc.stdout.split()
    (line,) = proc.stderr.splitlines()
    assert "2020-01-01" in line and "届满" in line and "解密审核" in line
    review = run(home, "review", "--json").stdout
    assert code in review
    quiet = run(home, "item", "receive", "--title", "新文件", "--level", "机密", "--period", "10y")
    assert quiet.stderr == ""


def test_a_refusal_shows_its_time_as_everything_else_does(home):
    """A refusal showed `已借给张三（自2026-12-01T07:52+00:00）`, in UTC, where everything else shows
    the office's time."""
    code = receive(home)[0]
    run(home, "check-out", code, "--to", "B001")
    refused = run(home, "check-out", code, "--to", "C001", ok=False)
    assert refused.returncode == 1
    since = re.search(r"已借给张三（自([^）]*)）", refused.stdout + refused.stderr).group(1)
    assert re.fullmatch(LOCAL_TIME, since), since
    listed = run(home, "item", "list").stdout
    assert since in listed  # the same moment, the same format, in the same time zone
    assert json.loads(run(home, "out", "--json").stdout)[0]["since"].endswith("+08:00")  # JSON: ISO
    history = json.loads(run(home, "item", "show", code, "--json").stdout)["history"]
    kept = next(e for e in history if e["kind"] == "refused")["data"]["params"]["since"]
    assert datetime.fromisoformat(kept).utcoffset() is not None  # the ledger keeps the moment, ISO 8601


def test_emulate_answers_in_the_language_asked_for(home):
    """`custody emulate --lang en` printed the service's Chinese answers."""
    code = receive(home)[0]
    lines = "B001\n" + code + "\nCMD-END\n"
    english = run(home, "emulate", "--station", "保密室", "--lang", "en", stdin=lines).stdout
    assert "张三 checked out the secret document “年度工作要点”" in english, english
    chinese = run(home, "emulate", "--station", "保密室", stdin="B001\n" + code + "\n").stdout
    assert "已归还" in chinese  # without --lang: the database's language, as before


def test_times_print_in_one_format(home):
    """Times printed as ISO with an offset in some places, `YYYY-MM-DD HH:MM` in others."""
    code = receive(home, "--period", "10y")[0]
    run(home, "check-out", code, "--to", "B001")
    for args in (("item", "show", code), ("out",), ("sweep",)):
        shown = run(home, *args).stdout
        assert not re.search(r"\d{2}:\d{2}(:\d{2})?\+\d{2}:\d{2}", shown), (args, shown)
        assert re.search(LOCAL_TIME, shown), (args, shown)


def test_count_show_speaks_the_readers_language(home):
    """`count show` printed a raw English line (`found 1, missing 5, …`) in Chinese mode."""
    code = receive(home)[0]
    run(home, "count", "start", "保密室", "--by", "C001")
    run(home, "count", "seen", "保密室", code)
    run(home, "count", "close", "保密室", "--by", "C001")
    chinese = run(home, "count", "show", "保密室").stdout
    assert "在位 1，缺失 0" in chinese and "found" not in chinese and "missing" not in chinese
    english = run(home, "count", "show", "保密室", "--lang", "en").stdout
    assert "found 1, missing 0" in english
    assert not re.search(r"[\u4e00-\u9fff]", english.replace("保密室", "").replace("赵敏", ""))


def test_the_english_sweep_lists_with_an_english_comma(home):
    """The English summary read `（Top secret 1，Secret 3，Internal 1)`."""
    for level in ("机密", "内部"):
        run(home, "check-out", receive(home, level=level)[0], "--to", "B001")
    english = run(home, "sweep", "--lang", "en").stdout.splitlines()[0]
    assert english.endswith("2 out (Secret 1, Internal 1)"), english
    chinese = run(home, "sweep").stdout.splitlines()[0]
    assert chinese.endswith("2 件未归还（机密 1，内部 1）"), chinese


def test_one_wording_for_a_mistyped_code():
    """`可能输错或扫错` and `可能扫错或输错` said the same thing two ways."""
    texts = "".join(p.read_text(encoding="utf-8") for p in PO_DIR.glob("*.po"))
    assert "可能扫错或输错" in texts and "可能输错或扫错" not in texts


def test_serve_on_a_port_in_use_names_the_port(home):
    """`custody serve` on a taken port said only `Address already in use`."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [CUSTODY, "--home", str(home), "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"custody: 无法在 127.0.0.1 的端口 {port} 上监听：Address already in use（是否被其他程序占用？请用 --port 另选端口）"
    ]


def test_log_lines_are_stamped_in_the_office_time_zone():
    """The access log was in UTC while everything else showed +08:00."""
    import logging
    from zoneinfo import ZoneInfo

    from custody.cli.main import OfficeTimeFormatter

    record = logging.LogRecord("web.access", logging.INFO, __file__, 1, "GET /", None, None)
    record.created = datetime(2026, 12, 1, 7, 52, 3).replace(tzinfo=ZoneInfo("UTC")).timestamp()
    try:
        OfficeTimeFormatter.use(ZoneInfo("Asia/Shanghai"))
        line = OfficeTimeFormatter("%(asctime)s %(message)s").format(record)
    finally:
        OfficeTimeFormatter.tz = None
    assert line == "2026-12-01 15:52:03+0800 GET /"
