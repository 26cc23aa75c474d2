"""A decimal column's check picks its suspects by one pass over the column; the cells it
lets through are exactly those the full check (`convert._decimal`) passes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Numeric

from crmlink.workflow.activities.convert import Invalid, converter
from crmlink.workflow.activities.crm import loader

NUMBERS = [
    Decimal("0"), Decimal("-0"), Decimal("999.99"), Decimal("-999.99"), Decimal("1000"),
    Decimal("999.999"), Decimal("1E+3"), Decimal("1E-30"), Decimal("-1000.5"),
    Decimal("99999999999999999999999999999.9"), Decimal("Infinity"), Decimal("-Infinity"),
    Decimal("NaN"), Decimal("sNaN"), 0, 999, 1000, -1000, 10**40, True, 12.5, 1e300,
    float("nan"), "12", None,
]  # fmt: skip
TYPES = [Numeric(5, 2), Numeric(3, 0), Numeric(3, 3), Numeric(2, 5), Numeric(), Numeric(40, 2)]


def passes(type_, value) -> bool:
    try:
        converter(Column("n", type_))(value)
    except Invalid:
        return False
    return True


@pytest.mark.parametrize("type_", TYPES, ids=repr)
@pytest.mark.parametrize("value", NUMBERS, ids=repr)
def test_a_cell_left_out_of_the_suspects_passes_the_full_check(type_, value):
    suspects = loader._suspects(type_)
    for cells in ([value], [Decimal("1.5"), value, None], [value] * 3):
        left_out = set(range(len(cells))) - set(suspects(cells))
        assert all(passes(type_, cells[i]) for i in left_out), (cells, left_out)


def test_a_column_of_small_decimals_has_no_suspect_and_one_too_large_is_one():
    suspects = loader._suspects(Numeric(5, 2))
    cells = [Decimal(n) / 100 for n in range(-99_999, 100_000, 7)] + [None]
    assert suspects(cells) == []
    every = [i for i in range(len(cells) + 1) if i != len(cells) - 1]  # all but the None
    assert suspects([*cells, Decimal("1000")]) == every  # cell by cell
    check = loader.column_check(Numeric(5, 2), "n")
    assert check is not None
    assert list(check([*cells, Decimal("1000")])) == [len(cells)]
