import pandas as pd
import pytest

from medres.validation import InputError, validate_frame


def frame(**columns):
    base = {"unit": ["a", "b", "c"], "x": [1.0, 2.0, 3.0]}
    base.update(columns)
    return pd.DataFrame(base)


def test_returns_float_columns_in_order():
    clean = validate_frame(frame(x=["1", 2, 3.5]), "unit", ["x"])
    assert list(clean.columns) == ["unit", "x"]
    assert clean["x"].tolist() == [1.0, 2.0, 3.5]


@pytest.mark.parametrize(
    ("data", "columns", "message"),
    [
        (frame(), ["y"], r"unknown column\(s\) \['y'\]"),
        (frame(x=[1, "n/a", 3]), ["x"], r"column 'x': non-numeric value 'n/a' for unit 'b'"),
        (frame(x=[1, None, 3]), ["x"], r"column 'x': missing value for unit 'b'"),
        # Text is named before an earlier gap: it is the likelier cause (a column read as text).
        (frame(x=[None, "1,234", 3]), ["x"], r"column 'x': non-numeric value '1,234' for unit 'b'"),
        (frame(x=pd.array([None, "1,234", "3"], dtype="string")), ["x"],
         r"column 'x': non-numeric value '1,234' for unit 'b'"),
        (frame(x=pd.array([1.5, None, 3.0], dtype="Float64")), ["x"],
         r"column 'x': missing value for unit 'b'"),
        (frame(x=[1, float("inf"), 3]), ["x"], r"column 'x': infinite value for unit 'b'"),
        (frame(unit=["a", "a", "c"]), ["x"], r"duplicated unit id\(s\) \['a'\]"),
        (frame(unit=["a", None, "c"]), ["x"], r"column 'unit': missing id in row 1"),
        (frame(), ["x", "x"], r"listed more than once: \['x'\]"),
        (frame(), [], r"no indicator columns"),
    ],
)
def test_rejects_bad_input_naming_the_culprit(data, columns, message):
    with pytest.raises(InputError, match=message):
        validate_frame(data, "unit", columns)


def test_rejects_too_few_units():
    with pytest.raises(InputError, match="at least 3 units"):
        validate_frame(frame().head(2), "unit", ["x"])
