"""Dropping redeliveries: the in-memory deduplicator, and the acknowledgements."""

from __future__ import annotations

import json
import threading

import pytest

from efundpay.webhooks import (
    V3_ACKNOWLEDGEMENT_BODY,
    V4_ACKNOWLEDGEMENT,
    V4_ACKNOWLEDGEMENT_BODY,
    Deduplicator,
    InMemoryDeduplicator,
    acknowledgement,
    rejection,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_claimed_once_and_a_repeat_is_refused() -> None:
    dedupe = InMemoryDeduplicator()
    assert isinstance(dedupe, Deduplicator)
    assert [dedupe.claim("ord_1"), dedupe.claim("ord_1"), dedupe.claim("ord_2")] == [
        True,
        False,
        True,
    ]


def test_a_released_key_can_be_claimed_again_so_a_redelivery_is_acted_on() -> None:
    dedupe = InMemoryDeduplicator()
    assert dedupe.claim("ord_1")
    dedupe.release("ord_1")
    dedupe.release("never claimed")
    assert dedupe.claim("ord_1")


def test_keys_are_forgotten_after_the_ttl() -> None:
    clock = Clock()
    dedupe = InMemoryDeduplicator(ttl=60, clock=clock)
    assert dedupe.claim("a")
    clock.now += 30
    assert dedupe.claim("b")
    clock.now += 30
    assert len(dedupe) == 1  # "a" expired, "b" held
    assert dedupe.claim("a") and not dedupe.claim("b")


def test_at_most_max_keys_are_held_the_oldest_forgotten_first() -> None:
    dedupe = InMemoryDeduplicator(max_keys=2)
    for key in "abc":
        assert dedupe.claim(key)
    assert len(dedupe) == 2
    assert dedupe.claim("a") and not dedupe.claim("c")


def test_of_many_concurrent_claims_of_one_key_exactly_one_wins() -> None:
    dedupe = InMemoryDeduplicator()
    barrier = threading.Barrier(16)
    wins: list[bool] = []

    def claim() -> None:
        barrier.wait()
        wins.append(dedupe.claim("ord_1"))

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 15 + [True]


@pytest.mark.parametrize(("kwargs"), [{"ttl": 0}, {"max_keys": 0}])
def test_nonsense_limits_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        InMemoryDeduplicator(**kwargs)  # type: ignore[arg-type]


def test_an_empty_key_is_refused_rather_than_deduplicating_everything() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        InMemoryDeduplicator().claim("")


def test_the_acknowledgements_are_what_each_api_expects() -> None:
    assert json.loads(V4_ACKNOWLEDGEMENT_BODY) == {"code": "200", "message": "SUCCESS"}
    assert acknowledgement("v4") == (200, dict(V4_ACKNOWLEDGEMENT))
    assert json.loads(V3_ACKNOWLEDGEMENT_BODY) == {"code": "SUCCESS"}
    assert acknowledgement("v3") == (200, {"code": "SUCCESS"})
    assert rejection()[0] == 400
    with pytest.raises(ValueError, match="v3"):
        acknowledgement("v5")
