"""`custody label` and `item receive --labels` through the console script, decoded back with zxing."""

import zxingcpp
from PIL import Image
from test_cli import SAFE, prepared_home, run


def decode(path):
    return [r.text for r in zxingcpp.read_barcodes(Image.open(path).convert("L"))]


def test_receive_with_labels_and_label_again(tmp_path):
    home = prepared_home(tmp_path / "home", SAFE)
    codes = run(
        home,
        "item",
        "receive",
        "--title",
        "t",
        "--level",
        "机密",
        "--copies",
        "2",
        "--period",
        "10y",
        "--labels",
        str(tmp_path / "sheet.pdf"),
    ).stdout.split()
    assert (tmp_path / "sheet.pdf").stat().st_size > 0
    written = run(home, "label", codes[1], "--out", str(tmp_path / "one.png"), "--dpi", "203").stdout.split()
    assert decode(written[0]) == [codes[1]]


def test_label_errors_leave_no_file(tmp_path):
    home = prepared_home(tmp_path / "home", SAFE)
    code = run(home, "item", "receive", "--title", "t", "--level", "secret").stdout.strip()
    bad = run(home, "label", code, "--out", str(tmp_path / "x.png"), "--size", "10x5", ok=False)
    assert bad.returncode == 1 and "10x5" in bad.stderr and not (tmp_path / "x.png").exists()
    unknown = run(home, "label", "123456789010", "--out", str(tmp_path / "y.png"), ok=False)
    assert unknown.returncode == 1 and not (tmp_path / "y.png").exists()
    noprinter = run(home, "label", code, "--printer", "nope", ok=False)
    assert noprinter.returncode == 1 and "nope" in noprinter.stderr


def test_badges_and_command_sheet(tmp_path):
    home = tmp_path / "home"
    prepared_home(home, ("person", "add", "张三", "--badge", "B001", "--clearance", "secret"))
    run(home, "label", "--badges", "--out", str(tmp_path / "badges.png"), "--sheet", "none")
    assert decode(tmp_path / "badges.png") == ["B001"]
    run(home, "label", "--commands", "--out", str(tmp_path / "commands.png"))
    found = set()
    for p in tmp_path.glob("commands*.png"):
        found |= set(decode(p))
    assert "CMD-END" in found
