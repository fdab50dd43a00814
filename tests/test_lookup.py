"""model.lookup: prompt lookup drafts that follow the copied program and grow while the reply keeps copying."""

from __future__ import annotations

import random

import pytest

from model.lookup import PromptLookup, replay

# Token ids: a "program" of 300 tokens drawn from a small vocabulary (so short n-grams recur, as in code),
# framed by instruction tokens in the prompt.
rng = random.Random(0)
PROGRAM = [rng.randrange(100, 160) for _ in range(300)]
FENCE_OPEN, FENCE_CLOSE, EOS = 1, 2, 3
PROMPT = [10, 11, 12, FENCE_OPEN] + PROGRAM + [FENCE_CLOSE, 20, 21, 22, 23, 24, 25]
CHANGE_AT = 150
EDITED = PROGRAM[:CHANGE_AT] + [900, 901] + PROGRAM[CHANGE_AT + 1:]  # one token replaced by two new ones
REPLY = [FENCE_OPEN] + EDITED + [FENCE_CLOSE, EOS]


def test_a_copied_reply_takes_few_steps_with_growing_drafts():
    steps = replay(PROMPT, REPLY, first=8, longest=256)
    drafted = [d for d, _ in steps]
    assert sum(a for _, a in steps) + len(steps) + 1 == len(REPLY)  # every token once: accepted or chosen
    assert len(steps) < len(REPLY) / 10
    # Nothing is drafted before two tokens match; then the drafts start short and grow while accepted whole.
    assert drafted[0] == 0 and drafted[1] == 8 and drafted[2] > drafted[1] and drafted[3] > drafted[2]
    assert max(drafted) >= 64
    # At the change the draft is rejected, and the drafts after it start short again.
    change = next(i for i, (d, a) in enumerate(steps) if a < d)
    assert CHANGE_AT - 20 < sum(a + 1 for _, a in steps[:change + 1]) <= CHANGE_AT + 2
    assert next(d for d in drafted[change + 1:] if d) == 8


def test_drafts_stop_where_the_prompt_closes_its_code_block():
    stop = PROMPT.index(FENCE_CLOSE)
    with_stop = replay(PROMPT, REPLY, stops=[stop])
    without = replay(PROMPT, REPLY)
    # The last draft copies the closing fence and nothing of the prompt after it.
    assert with_stop[-1][0] <= with_stop[-1][1] + 1
    assert sum(d - a for d, a in with_stop) < sum(d - a for d, a in without)
    lookup = PromptLookup(PROMPT, stops=[stop], first=64)
    draft = lookup.draft([FENCE_OPEN] + PROGRAM[:280], room=100)
    assert draft == PROGRAM[280:] + [FENCE_CLOSE]


def test_the_longest_match_wins_over_a_later_shorter_one():
    prompt = [5, 6, 7, 40, 41, 42, 99, 7, 50, 51, 52]
    lookup = PromptLookup(prompt, min_match=1, first=3)
    assert lookup.draft([5, 6, 7], room=10) == [40, 41, 42]  # "5 6 7" matched, not the later lone "7"
    # Among equally long matches the latest is taken.
    lookup = PromptLookup([8, 7, 60, 61, 8, 7, 70, 71], min_match=2, first=2)
    assert lookup.draft([8, 7], room=10) == [70, 71]


def test_no_draft_without_a_long_enough_match_or_room():
    lookup = PromptLookup([1, 2, 3, 4, 5, 6], min_match=2)
    assert lookup.draft([3], room=10) == []  # one token matches: too little to go on
    assert lookup.draft([3, 9], room=10) == []  # nothing matches
    assert PromptLookup([1, 2, 3, 4, 5, 6], min_match=2).draft([2, 3], room=2) == [4, 5]
    assert PromptLookup([1, 2, 3, 4, 5, 6], min_match=2).draft([2, 3], room=0) == []


def test_the_alignment_follows_the_reply_and_is_dropped_at_a_mismatch():
    lookup = PromptLookup(PROMPT, first=4, longest=32)
    assert lookup.draft([FENCE_OPEN, PROGRAM[0]], room=100) == PROGRAM[1:5]
    reply = [FENCE_OPEN] + PROGRAM[:20]
    assert lookup.draft(reply, room=100) == PROGRAM[20:39]  # 19 tokens followed the source: a longer draft
    assert lookup.aligned_run == 19
    reply += [999]
    assert lookup.draft(reply, room=100) == [] and lookup.aligned_run == 0


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        PromptLookup([1, 2], first=0)
    with pytest.raises(ValueError):
        PromptLookup([1, 2], first=16, longest=8)
    with pytest.raises(ValueError):
        PromptLookup([1, 2], min_match=0)
