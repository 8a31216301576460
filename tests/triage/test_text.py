"""What the model reads of a ticket: plain, normalised, bounded text."""

from sevflow.triage.text import MAX_CHARS, clean_text


def test_html_bodies_are_reduced_to_their_text_without_scripts_and_with_a_note() -> None:
    body = "<html><head><title>x</title><script>alert(1)</script></head><body><p>Checkout&nbsp;is <b>down</b></p></body></html>"
    cleaned = clean_text("Outage", body)
    assert cleaned.text == "Outage Checkout is down"
    assert cleaned.notes == ("HTML stripped from the body",)


def test_one_angle_bracket_in_prose_is_not_html() -> None:
    assert clean_text("a <b> c", "x < y").text == "a <b> c x < y"


def test_huge_text_is_cut_at_a_word_boundary_with_a_note_saying_how_much() -> None:
    cleaned = clean_text("Huge", "word " * 10_000)
    assert len(cleaned.text) <= MAX_CHARS
    assert cleaned.text.endswith("word")
    assert cleaned.notes == (f"text truncated to its first {len(cleaned.text):,} of 50,004 characters",)


def test_unicode_is_normalised_and_every_script_is_kept() -> None:
    assert clean_text("Ｃｈｅｃｋｏｕｔ ﬁle", "決済が 失敗 Σφάλμα").text == "Checkout file 決済が 失敗 Σφάλμα"


def test_empty_input_gives_empty_text() -> None:
    assert clean_text("", "").text == ""
    assert clean_text("   ", "\n\t").notes == ()


def test_markup_the_html_parser_gives_up_on_is_dropped_tag_by_tag() -> None:
    cleaned = clean_text("Checkout", "<p>fails</p> <![ not a declaration <b>at all</b> &amp; more")
    assert cleaned.text == "Checkout fails <![ not a declaration at all & more"
    assert cleaned.notes == ("HTML stripped from the body",)
