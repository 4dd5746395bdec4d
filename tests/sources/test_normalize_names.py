"""Person names: splitting, casing, and the fast path agreeing with nameparser."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outboard.sources.normalize.names import (
    NameParts,
    fast_split,
    name_from_parts,
    name_key,
    parse_with_nameparser,
    recase,
    split_full_name,
)


@pytest.mark.parametrize(
    ("raw", "first", "middle", "last", "honorific", "suffix"),
    [
        ("Anna Schmidt", "Anna", "", "Schmidt", "", ""),
        ("anna schmidt", "Anna", "", "Schmidt", "", ""),
        ("ANNA SCHMIDT", "Anna", "", "Schmidt", "", ""),
        ("Dr. Juan de la Vega Jr.", "Juan", "", "de la Vega", "Dr.", "Jr."),
        ("LUDWIG VAN DER ROHE", "Ludwig", "", "van der Rohe", "", ""),
        ("Prof. Dr. Hans-Peter Müller", "Hans-Peter", "", "Müller", "Prof. Dr.", ""),
        ("SMITH, JOHN", "John", "", "Smith", "", ""),
        ("mary ann o'neil-smith, phd", "Mary", "Ann", "O'Neil-Smith", "", "PhD"),
        ("JOHN MCDONALD", "John", "", "McDonald", "", ""),
        ("Anna Schmidt 🚀", "Anna", "", "Schmidt", "", ""),
        ("  Jean-Luc   Picard ", "Jean-Luc", "", "Picard", "", ""),
        ("John Smith III", "John", "", "Smith", "", "III"),
        ("Danny DeVito", "Danny", "", "DeVito", "", ""),  # deliberate mixed case is kept
    ],
)
def test_split_full_name(raw, first, middle, last, honorific, suffix):
    assert split_full_name(raw) == NameParts(first, middle, last, honorific, suffix)


@pytest.mark.parametrize(
    ("raw", "first", "last"),
    [
        ("王小明", "王小明", ""),  # no space: never guess where a Chinese given name starts
        ("田中 太郎", "田中", "太郎"),
        ("محمد علي", "محمد", "علي"),
        ("ИВАН ПЕТРОВ", "Иван", "Петров"),
        ("Ольга Смирнова", "Ольга", "Смирнова"),
        ("Ζωή Παπαδοπούλου", "Ζωή", "Παπαδοπούλου"),
    ],
)
def test_non_latin_names_are_kept_intact(raw, first, last):
    parts = split_full_name(raw)
    assert (parts.first, parts.last) == (first, last)


def test_single_words_that_are_titles_or_suffixes():
    assert split_full_name("Dr.") == NameParts(honorific="Dr.")
    assert split_full_name("Jr.") == NameParts(suffix="Jr.")
    assert split_full_name("Bob") == NameParts(first="Bob")
    assert split_full_name("") == NameParts()


def test_full_name_puts_the_suffix_after_a_comma_and_leaves_the_honorific_out():
    parts = split_full_name("Dr. Juan de la Vega Jr.")
    assert parts.full == "Juan de la Vega, Jr."
    assert split_full_name("王小明").full == "王小明"


def test_name_from_separate_columns():
    assert name_from_parts("Dr. Hans", "", "MÜLLER, PhD") == NameParts("Hans", "", "Müller", "Dr.", "PhD")
    assert name_from_parts("sarah", "", "O'CONNOR") == NameParts("Sarah", "", "O'Connor")
    assert name_from_parts("John", "", "Smith Jr.") == NameParts("John", "", "Smith", "", "Jr.")
    assert name_from_parts("Malcolm", "", "Little X") == NameParts("Malcolm", "", "Little X")  # no roman I/V/X
    # A first name that merely looks like a nameparser title ("Air") is not moved.
    assert name_from_parts("Air Jordan", "", "Smith").first == "Air Jordan"


def test_recase_only_touches_all_caps_or_lowercase_words():
    assert recase("van der BERG") == "van der Berg"
    assert recase("VAN DER BERG", leading=True) == "Van der Berg"
    assert recase("McDONALD") == "McDONALD"
    assert recase("d'angelo") == "D'Angelo"
    assert recase("王小明") == "王小明"


def test_name_key_ignores_case_accents_and_punctuation():
    assert name_key(NameParts("Jean-Luc", "", "Müller")) == name_key(NameParts("JEAN LUC", "", "muller"))


WORD = st.sampled_from([
    "anna", "Anna", "ANNA", "jean-luc", "O'Brien", "o'neil", "mcdonald", "Müller", "MÜLLER", "van", "der",
    "de", "la", "von", "di", "du", "Le", "bin", "al", "y", "e", "and", "Dr.", "dr", "Prof.", "Mr", "herr",
    "Jr.", "jr", "III", "PhD", "phd", "MBA", "Sir", "King", "J.", "J", "(Johnny)", "Smith,", "王小明", "محمد",
    "Иван", "de'", "al-Rashid", "d'", "st", "Ste", "Mac", "--", "'", "ß", "Ǆemal", "Ben", "Bin",
])
NAMES = st.lists(WORD, min_size=0, max_size=6).map(" ".join)


@settings(max_examples=250, deadline=None)
@given(NAMES)
def test_fast_path_gives_nameparsers_answer(text):
    fast = fast_split(text)
    if fast is not None:
        assert fast == parse_with_nameparser(text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(NAMES, st.text(max_size=30)))
def test_splitting_a_split_name_changes_nothing(text):
    parts = split_full_name(text)
    again = name_from_parts(parts.first, parts.middle, parts.last, parts.honorific, parts.suffix)
    assert again == parts


@settings(max_examples=200, deadline=None)
@given(st.one_of(NAMES, st.text(max_size=20)), st.booleans())
def test_recase_is_idempotent(text, leading):
    once = recase(text, leading=leading)
    assert recase(once, leading=leading) == once
