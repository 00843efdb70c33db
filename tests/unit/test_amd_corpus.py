"""The labelled AMD set: the independent scripts, the fixed split, reproducible synthesis."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks.amd_corpus import HELD_OUT_PERCENT, ends_with_beep, load_scripts, split_of, synth_clips

pytestmark = pytest.mark.unit


def test_scripts_are_labelled_and_hold_the_issues_hard_cases() -> None:
    scripts = {s.id: s for s in load_scripts()}
    assert len(scripts) == 162
    assert {s.label for s in scripts.values()} == {"human", "machine"}
    assert {s.lang for s in scripts.values()} == {"fr", "en"}
    assert scripts["h029"].text.startswith("Pharmacie Durand, bonjour") and scripts["h029"].label == "human"
    assert scripts["h014"].text == "Allô ? ... Allô ?"
    assert scripts["m021"].text == "Vous pouvez parler." and ends_with_beep(scripts["m021"].kind)
    assert scripts["m044"].text == "Ce numéro n'est pas en service." and not ends_with_beep(
        scripts["m044"].kind
    )


def test_split_is_a_fixed_hash_of_the_script_id() -> None:
    ids = [s.id for s in load_scripts()]
    splits = Counter(split_of(i) for i in ids)
    assert abs(splits["held_out"] / len(ids) - HELD_OUT_PERCENT / 100) < 0.1
    assert [split_of(i) for i in ("h001", "h029", "m021", "m044")] == ["dev", "dev", "held_out", "dev"]


KINDS = [("voicemail_short_beep", True), ("operator_nobeep", False), ("en_ivr_nobeep", False)]


@pytest.mark.parametrize(("kind", "beep"), KINDS)
def test_beep_kinds(kind: str, beep: bool) -> None:
    assert ends_with_beep(kind) is beep


def test_synthesis_is_reproducible_and_beeps_only_where_the_script_says(tmp_path: Path) -> None:
    scripts = [s for s in load_scripts() if s.id in ("m021", "m044")]
    first = synth_clips(tmp_path / "a", 1, scripts)
    again = synth_clips(tmp_path / "b", 1, scripts)
    assert [c.file for c in first] == ["synth/m021_0.wav", "synth/m044_0.wav"]
    for clip in first:
        assert (tmp_path / "a" / clip.file).read_bytes() == (tmp_path / "b" / clip.file).read_bytes()
    beeps = {c.script: c.beep_ms for c in first}
    assert beeps["m044"] is None and beeps["m021"] is not None and beeps["m021"] > 500
    assert first == again
