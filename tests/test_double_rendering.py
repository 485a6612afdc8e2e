"""The duplicate-rendering check on constructed outputs: it must fire on doubles, not on lists."""

from __future__ import annotations

import pytest

from translate.double_rendering import find_double_renderings

MOIT = "Ministry of Industry and Trade"


@pytest.mark.parametrize(
    "target, rendering, model_rendering",
    [
        ("The Ministry of Industry and Trade Ministry of Industry and Commerce said.", MOIT, None),
        ("The Ministry of Industry and Commerce Ministry of Industry and Trade said.", MOIT, None),
        ("Ministry of Industry and Trade (Ministry of Industry and Commerce) said", MOIT, "Ministry of Industry and Commerce"),
        ("Foreign Minister Minister of Foreign Affairs Bui Thanh Son", "Foreign Minister", "Minister of Foreign Affairs"),
        ("ABAC ABAC met on Monday.", "ABAC", None),
        ("Bui Thanh Son Bui Thanh Son attended.", "Bui Thanh Son", None),
    ],
)
def test_double_renderings_are_found(target: str, rendering: str, model_rendering: str | None) -> None:
    found = find_double_renderings(target, rendering, model_rendering)
    assert len(found) == 1
    assert rendering.split()[0] in found[0]


@pytest.mark.parametrize(
    "target, rendering, model_rendering",
    [
        ("The Ministry of Industry and Trade chaired the meeting.", MOIT, None),
        ("the Ministry of Industry and Trade and the Ministry of Finance", MOIT, None),
        ("the Ministry of Foreign Affairs, the Ministry of Finance", "Ministry of Foreign Affairs", None),
        ("APEC Business Advisory Council (ABAC) members", "APEC Business Advisory Council", "ABAC"),
        ("ABAC and ABAC members", "ABAC", None),
        ("Minister Bui Thanh Son said the ministry would act.", "Minister", None),
        ("The Ministry of Industry and Trade said the ministry of industry will act.", MOIT, None),
    ],
)
def test_clean_outputs_pass(target: str, rendering: str, model_rendering: str | None) -> None:
    assert find_double_renderings(target, rendering, model_rendering) == []


def test_each_place_is_reported_once() -> None:
    target = "ABAC ABAC met. Later ABAC ABAC left."
    assert find_double_renderings(target, "ABAC") == ["ABAC ABAC", "ABAC ABAC"]


def test_sentence_initial_capital_counts_as_the_term() -> None:
    assert find_double_renderings("Industrial park industrial park zones", "industrial park") == [
        "Industrial park industrial park"
    ]
