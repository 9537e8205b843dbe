"""CSV exports: a text cell is never read by a spreadsheet as a formula; numbers our code wrote stay numbers."""
import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.csv_export import FORMULA_TRIGGERS, csv_text, neutralised

numbers = st.one_of(st.integers(-(10**15), 10**15),
                    st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
dangerous_texts = st.builds(lambda trigger, rest: trigger + rest, st.sampled_from(FORMULA_TRIGGERS), texts)


def read(text):
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(("cell", "written"), [
    ("=HYPERLINK(\"http://evil.example\",\"Click\")", "'=HYPERLINK(\"http://evil.example\",\"Click\")"),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("-5", "'-5"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("Cold room", "Cold room"), ("a=b", "a=b"), ("", ""), (None, ""),
    (-1250, -1250), (Decimal("-12.50"), Decimal("-12.50")), (0, 0),
])
def test_text_cells_that_start_a_formula_get_a_quote_and_numbers_stay(cell, written):
    assert neutralised(cell) == written


@given(st.lists(st.lists(st.one_of(texts, dangerous_texts, numbers, st.none()), max_size=6), max_size=6))
def test_no_cell_of_an_export_starts_a_formula_unless_it_is_a_number_we_wrote(rows):
    parsed = read(csv_text(rows))
    assert len(parsed) == len(rows)
    for row, cells in zip(rows, parsed, strict=True):
        assert len(cells) == len(row)
        for cell, written in zip(row, cells, strict=True):
            if isinstance(cell, (int, Decimal)):
                assert Decimal(written) == cell  # a number, as a number
            else:
                assert not written.startswith(FORMULA_TRIGGERS), (cell, written)
                text = "" if cell is None else cell
                assert written in (text, "'" + text)  # the user's words, at most behind one quote


@given(dangerous_texts)
def test_a_user_text_that_looks_like_a_negative_number_is_still_text(text):
    assert neutralised(text) == "'" + text
