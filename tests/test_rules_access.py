"""P23 least privilege, as a table: every role × every capability, and the device tokens."""

from __future__ import annotations

import pytest

from custody.rules.access import DEVICE_CAN, ROLE_CAN, Can, Viewer, may

# what each role may do, written out here independently of custody/rules/access.py
EXPECTED: dict[str, set[str]] = {
    "staff": {"own_loans", "request"},
    "custodian": {
        "display",
        "own_loans",
        "read",
        "audit",
        "receive",
        "custody",
        "count",
        "close",
        "request",
        "manage_people",
    },
    "leader": {"display", "own_loans", "read", "audit", "request", "approve"},
    "admin": {c.value for c in Can} - {"scan", "approve"},
}


def user(role: str) -> Viewer:
    return Viewer(kind="user", username="u", role=role, person_id=1, person_name="张三")


@pytest.mark.parametrize("role", sorted(EXPECTED))
@pytest.mark.parametrize("can", list(Can))
def test_every_role_and_capability(role: str, can: Can) -> None:
    assert may(user(role), can) is (can.value in EXPECTED[role])
    # a station named or not makes no difference to a user
    assert may(user(role), can, station="保密室") is (can.value in EXPECTED[role])


def test_the_table_names_exactly_the_four_roles() -> None:
    assert set(ROLE_CAN) == set(EXPECTED)


@pytest.mark.parametrize("can", list(Can))
def test_a_device_token_scans_and_shows_its_own_station_only(can: Can) -> None:
    device = Viewer(kind="device", station="保密室", device="default")
    allowed = can in (Can.SCAN, Can.DISPLAY)
    assert may(device, can) is allowed
    assert may(device, can, station="保密室") is allowed
    assert may(device, can, station="阅文室") is False
    assert (can in DEVICE_CAN) is allowed


@pytest.mark.parametrize("can", list(Can))
def test_nobody_and_unknown_kinds_and_roles_may_nothing(can: Can) -> None:
    assert may(None, can) is False
    assert may(Viewer(kind="robot", role="admin"), can) is False
    assert may(Viewer(kind="user", role="superuser"), can) is False
    assert may(Viewer(kind="user", role=""), can) is False


def test_actors() -> None:
    assert user("staff").actor == "user:u"
    assert Viewer(kind="device", station="保密室", device="gun-2").actor == "station:保密室/gun-2"
