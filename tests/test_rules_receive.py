"""P5 (custody.rules.receive): top-secret items, seals and letters live in a safe."""

import pytest

from custody.rules import receive
from custody.rules.facts import Allowed, ReceiveFacts


@pytest.mark.parametrize(
    "level,kind,home_kind,refused",
    [
        ("top-secret", "document", "reading-room", True),
        ("top-secret", "document", "safe", False),
        ("internal", "seal", "desk", True),
        ("internal", "letter", "desk", True),
        ("internal", "letter", "safe", False),
        ("secret", "document", "reading-room", False),
        ("secret", "medium", "archive-room", False),
    ],
)
def test_p5(level, kind, home_kind, refused):
    d = receive.decide_receive(ReceiveFacts(level, kind, "某站", home_kind))
    if refused:
        assert d.reason == "home_not_safe" and d.rule == "P5"
        assert d.params == {"level": level, "kind": kind, "station": "某站", "station_kind": home_kind}
    else:
        assert isinstance(d, Allowed)


def test_the_table():
    assert receive.RECEIVE_RULES == (receive.home_is_safe,)
    assert receive.HOME_IN_SAFE_KINDS == ("seal", "letter")
    assert receive.must_live_in_a_safe("top-secret", "document")
    assert not receive.must_live_in_a_safe("secret", "document")
