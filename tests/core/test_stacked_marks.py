"""Combining marks stacked on one character ("Zalgo text", core.marks): a typed handle, group
name or topic with more than four on one base is refused in one line; a name or text read
from a file (signed past every check) shows at most four a base, its record unchanged; and
real writing that stacks a few marks passes and shows as written."""

from __future__ import annotations

import re
import unicodedata

import pytest

from peers_tui.core.errors import PeersError
from peers_tui.core.marks import MAX_MARKS, cut_marks, most_marks
from peers_tui.core.names import check_name, look_alike_key, shown_handle, shown_name
from peers_tui.core.text import inert
from tests.conftest import User
from tests.hostile_names import ZALGO, stacked, zalgo_group

SHOWN = "zed" + "\u0301" * MAX_MARKS

# Real writing that stacks marks, each as written and decomposed (NFD): none is refused or cut.
SCRIPTS = {
    "Vietnamese": "Tiếng Việt",  # decomposed, ệ is e + dot below + circumflex
    "Yoruba": "Ẹ̀kọ́ Yorùbá",
    "Hindi": "हिन्दी",
    "Hindi, three marks": "क़ुँ",  # nukta, vowel sign u, candrabindu
    "Hebrew with niqqud": "שָׁלוֹם",
    "Hebrew with cantillation": "הַשָּׁ֣מַיִם",  # the shin: dagesh, qamats, shin dot, munach
    "Arabic": "مُحَمَّد",
    "Thai": "ที่นี่ภาษาไทย",
    "Tibetan": "བསྒྲུབས",  # s + subjoined g + subjoined r + vowel u
    "Tibetan, four marks": "ཧྨྱཱུ",
}


@pytest.mark.parametrize("sample", list(SCRIPTS.values()), ids=list(SCRIPTS))
def test_real_writing_passes_the_check_and_shows_as_written(sample: str):
    for text in (sample, unicodedata.normalize("NFD", sample)):
        assert stacked(text) <= MAX_MARKS
        assert most_marks(text) == 0
        assert check_name(text, "group name", max_chars=100) == text
        assert shown_name(text) == text and inert(text) == text and cut_marks(text) == text


def test_more_than_four_marks_on_one_character_are_refused_in_one_line():
    assert check_name("zed" + "\u0301" * 4, "handle", max_chars=64, spaces=False)
    for count in (5, 40):
        with pytest.raises(PeersError) as caught:
            check_name("zed" + "\u0301" * count, "handle", max_chars=64, spaces=False)
        message = str(caught.value)
        assert message.startswith(f"handle stacks {count} combining marks on one character, "
                                  f"the limit is {MAX_MARKS}")
        assert "\n" not in message and "\u0301" not in message
    # marks of several kinds, above and below, count together; a new base starts again
    assert most_marks("a\u0301\u0316\u0302\u0317\u0303") == 5
    assert most_marks("a\u0301\u0316\u0302\u0317b\u0303\u0304\u0305\u0306") == 0
    # an enclosing mark, and a mark outside the BMP (musical symbols), count too
    assert most_marks("x" + "\u20dd" * 6) == 6 and most_marks("x" + "\U0001d167" * 6) == 6
    # a zero-width joiner draws nothing: the marks after it stack on the same base
    assert most_marks("e" + "\u0301" * 3 + "\u200d" + "\u0301" * 3) == 6


def test_a_name_or_text_from_a_file_shows_at_most_four_marks_a_character():
    assert shown_name(ZALGO) == SHOWN and shown_handle(ZALGO) == SHOWN
    body = "line one" + "\u0300" * 30 + "\nand " + "\u0489" * 12 + "two\u0316\u0317"
    assert inert(body) == "line one" + "\u0300" * 4 + "\nand " + "\u0489" * 4 + "two\u0316\u0317"
    assert inert(ZALGO, allow_newlines=False) == SHOWN
    # each base keeps its own four; placeholders of hidden characters are bases of their own
    assert cut_marks("a" + "\u0301" * 9 + "b" + "\u0301" * 9) == "a" + "\u0301" * 4 + "b" + "\u0301" * 4
    assert shown_name("a\u200b" + "\u0301" * 9) == "a<U+200B>" + "\u0301" * 4
    # format characters in the run are kept, the marks past four dropped
    assert cut_marks("e" + "\u0301" * 3 + "\u200d" + "\u0301" * 3) == "e" + "\u0301" * 3 + "\u200d\u0301"
    assert stacked(cut_marks("\u0301" * 50)) == MAX_MARKS  # even with no base before them
    # emoji sequences (a keycap: two marks; a family joined by ZWJs) and long text of other
    # scripts pass through whole
    emoji = "1\ufe0f\u20e3 👨\u200d👩\u200d👧\u200d👦 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert inert(emoji) == emoji
    long = ("中文 Tiếng Việt हिन्दी 😀" * 2000) + "𝐛𝐨𝐥𝐝" * 100
    assert cut_marks(long) is long or cut_marks(long) == long


def test_names_shown_alike_after_the_cut_are_told_apart_by_fingerprint():
    # "zed" with 4 accents (allowed) and with 40 (forged) show the same: one key, so both
    # carry their owner's fingerprint wherever they are shown together
    assert look_alike_key(ZALGO) == look_alike_key(SHOWN) == look_alike_key("zed" + "\u0301" * 5)
    assert look_alike_key(SHOWN) != look_alike_key("zed" + "\u0301" * 3)


def test_the_cli_refuses_a_handle_group_name_or_topic_with_forty_marks(alice: User, team):
    for args, what in [(("id", "--handle", ZALGO), "handle"), (("create", ZALGO), "group name"),
                       (("topic", team, ZALGO), "topic")]:
        result = alice.fails(*args)
        assert result.code != 0
        [line] = result.err.splitlines()
        assert line == (f"peers: {what} stacks 40 combining marks on one character, the limit "
                        f"is {MAX_MARKS}: more would draw over the lines above and below"), line
    assert alice.ok("id", "--json").json()[0]["handle"] == "alice"  # nothing was stored
    assert [line.split()[1] for line in alice.ok("groups").lines if "team" in line] == ["team"]
    assert ZALGO not in alice.ok("topic", team).out
    alice.ok("id", "--handle", SHOWN)  # four are fine
    alice.ok("topic", team, "Tiếng Việt · हिन्दी · ཧྨྱཱུ")


def test_a_forged_handle_group_name_and_topic_with_forty_marks_show_four(alice: User, bob: User):
    """Signed with bob's own key past every check and written straight into the files: the
    CLI shows each name, the topic and a body with at most four marks a character, and the
    signed records keep all forty."""
    group = zalgo_group(alice, bob)
    outputs = {
        "log": alice.ok("log", group).out, "members": alice.ok("members", group).out,
        "groups": alice.ok("groups").out, "topic": alice.ok("topic", group).out,
        "search": alice.ok("search", group, "hello").out,
        "export": alice.ok("export", group, "--format", "text").out,
    }
    for what, text in outputs.items():
        assert stacked(text) <= MAX_MARKS, (what, text)
    assert SHOWN in outputs["log"] and SHOWN in outputs["members"]
    assert "g" + "\u0301" * 4 in outputs["groups"]
    assert "hello" + "\u0302" * 4 in outputs["log"]
    assert "topic" + "\u0303" * 4 in outputs["topic"]
    # the stored, signed records are as written, and verify
    messages = alice.ok("log", group, "--json").json()
    assert any(m["body"] == "hello" + "\u0302" * 40 for m in messages)
    assert ZALGO in alice.ok("members", group, "--json").out.encode().decode("unicode_escape")
    assert alice.run("verify", group).code == 0


def test_every_mark_in_pythons_unicode_data_is_counted_and_cut():
    """The screening regex (core.marks) is a superset built from the BMP's data and the
    astral planes where marks and format characters are: none outside them, none missed."""
    marks = [chr(code) for code in range(0x110000)
             if unicodedata.category(chr(code)) in ("Mn", "Me") or unicodedata.combining(chr(code))]
    assert len(marks) > 1900
    for mark in marks:
        assert most_marks("a" + mark * 6) == 6, hex(ord(mark))
        assert cut_marks("a" + mark * 6 + "b") == "a" + mark * MAX_MARKS + "b", hex(ord(mark))
    formats = [chr(code) for code in range(0x10000, 0x110000)
               if unicodedata.category(chr(code)) == "Cf"]
    for char in formats:  # inside a run, so within the screened planes
        assert most_marks("a\u0301\u0301" + char + "\u0301\u0301\u0301") == 5, hex(ord(char))


def test_the_bmp_class_is_the_running_pythons_unicode_data():
    """core.marks._BMP is written out (built by category at run time, it cost 10-16 ms at
    the first text shown that is not ASCII): a Python with newer Unicode data says so here."""
    from peers_tui.core.marks import _BMP

    wanted = {chr(code) for code in range(0xA0, 0x10000)
              if unicodedata.category(chr(code)) in ("Mn", "Me", "Mc", "Cf")}
    written = set(re.findall(f"[{_BMP}]", "".join(chr(code) for code in range(0xA0, 0x10000))))
    assert written == wanted, (f"regenerate core.marks._BMP for Unicode "
                               f"{unicodedata.unidata_version}: {len(written ^ wanted)} differ")


# Hangul's vowel and final jamo (U+1160-U+11FF, U+D7B0-U+D7FF) are letters (Lo) that take no
# cell of their own: terminals and Rich draw them on the syllable before, as marks.
KOREAN = {"Korean": "한국어", "Korean, old (conjoining, two vowels)": "\u1112\u119e\u11ab"}


@pytest.mark.parametrize("sample", list(KOREAN.values()), ids=list(KOREAN))
def test_korean_passes_the_check_and_shows_as_written(sample: str):
    for text in (sample, unicodedata.normalize("NFD", sample)):
        assert most_marks(text) == 0
        assert check_name(text, "group name", max_chars=100) == text
        assert shown_name(text) == text and inert(text) == text


def test_a_run_of_hangul_vowel_or_final_jamo_counts_as_stacked_marks():
    from rich.cells import cell_len

    # (U+1160, the vowel filler, is a hidden character: shown as <U+1160>, refused when typed)
    for jamo in ("\u1161", "\u11a8", "\u11ff", "\ud7b0", "\ud7fb"):
        assert cell_len(jamo) == 0, hex(ord(jamo))  # why they count: no cell of their own
        stack = "\u1100" + jamo * 40
        assert most_marks(stack) == 40, hex(ord(jamo))
        assert shown_name(stack) == "\u1100" + jamo * MAX_MARKS
        with pytest.raises(PeersError, match="stacks 40 combining marks"):
            check_name(stack, "handle", max_chars=64, spaces=False)
    # on a precomposed syllable too, and mixed with combining marks
    assert most_marks("각" + "\u11a8" * 3 + "\u0301" * 3) == 6
    assert cut_marks("각" + "\u11a8" * 9 + "b") == "각" + "\u11a8" * MAX_MARKS + "b"
