"""The facts and the first-refusal runner (custody.rules.facts); also the plain facts the other
rule tests (tests/test_rules_*.py) build on: no database, a fixed moment."""

from datetime import UTC, datetime

from custody.rules.facts import ItemFacts, PersonFacts

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = NOW.date()


def person(pid=1, name="张三", role="staff", clearance="secret", **kw) -> PersonFacts:
    return PersonFacts(pid, name, role, clearance, **kw)


def item(level="secret", code="123456789012", title="年度要点", kind="document", **kw) -> ItemFacts:
    return ItemFacts(code, title, kind, level, **kw)


LEADER = person(9, "王主任", "leader", "top-secret")


def test_the_first_refusal_wins_and_none_when_all_pass():
    from custody.rules.facts import Refusal, first_refusal

    a, b = Refusal("a"), Refusal("b")
    assert first_refusal((lambda f: None, lambda f: a, lambda f: b), None) is a
    assert first_refusal((lambda f: None,), None) is None
    assert first_refusal((), None) is None


def test_item_params_and_rank():
    from custody.rules.facts import item_params, rank

    assert item_params(item()) == {
        "code": "123456789012",
        "title": "年度要点",
        "level": "secret",
        "kind": "document",
    }
    assert (
        rank("top-secret") > rank("secret") > rank("confidential") > rank("internal") > rank("unclassified")
    )
