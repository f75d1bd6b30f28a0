"""The clashing-handle rule the message log and the roster share (core.names.person_labels)."""

from __future__ import annotations

from peers_tui.core.names import person_labels


def test_names_that_look_alike_carry_the_fingerprint_and_others_do_not():
    people = [("id-bob", "bob", "bobfprnt"), ("id-b0b", "Bob", "b0bfprnt"),
              ("id-ann", "ann", "annfprnt"), ("id-bob", "bob", "bobfprnt")]
    assert person_labels(people, room=16) == {
        ("id-bob", "bob"): "bob~bobfprnt", ("id-b0b", "Bob"): "Bob~b0bfprnt",
        ("id-ann", "ann"): "ann"}


def test_a_former_member_with_the_name_counts_and_one_person_never_clashes_with_themself():
    assert person_labels([("id-ann", "ann", "annfprnt")], [("id-old", "аnn")],  # Cyrillic а
                         room=16) == {("id-ann", "ann"): "ann~annfprnt"}
    assert person_labels([("id-ann", "ann", "annfprnt")], [("id-ann", "ann")],
                         room=16) == {("id-ann", "ann"): "ann"}


def test_the_name_is_shortened_so_the_fingerprint_stays_whole_and_shown_inert():
    people = [("a", "a-very-long-handle-indeed", "aaaaaaaa"),
              ("b", "a-very-long-handle-indeed", "bbbbbbbb"), ("c", "x\x1b[31m", "cccccccc")]
    labels = person_labels(people, room=24)
    assert labels[("a", "a-very-long-handle-indeed")] == "a-very-long-han~aaaaaaaa"
    assert len(labels[("b", "a-very-long-handle-indeed")]) == 24
    assert "\x1b" not in labels[("c", "x\x1b[31m")]
    shortened = person_labels(people[:2], room=16,
                              shorten=lambda text, width: text[:width - 1] + "…")
    assert shortened[("a", "a-very-long-handle-indeed")] == "a-very…~aaaaaaaa"  # 16 cells
