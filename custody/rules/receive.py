"""P5: where a received item may live."""

from __future__ import annotations

from collections.abc import Callable

from custody.rules.facts import Allowed, Decision, ReceiveFacts, Refusal, first_refusal

HOME_IN_SAFE_KINDS = ("seal", "letter")


def must_live_in_a_safe(level: str, kind: str) -> bool:
    return level == "top-secret" or kind in HOME_IN_SAFE_KINDS


def home_is_safe(f: ReceiveFacts) -> Refusal | None:
    """P5: top-secret items, seals and letters of introduction live in a safe."""
    if must_live_in_a_safe(f.level, f.kind) and f.home_kind != "safe":
        return Refusal(
            "home_not_safe",
            {"level": f.level, "kind": f.kind, "station": f.home, "station_kind": f.home_kind},
            "P5",
        )
    return None


RECEIVE_RULES: tuple[Callable[[ReceiveFacts], Refusal | None], ...] = (home_is_safe,)


def decide_receive(f: ReceiveFacts) -> Decision:
    return first_refusal(RECEIVE_RULES, f) or Allowed()
