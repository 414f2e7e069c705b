"""Input checks shared by every medres method.

Each method takes a pandas DataFrame with one row per evaluated unit (a province, a county, ...),
an id column and some numeric indicator columns. The checks here turn the usual ways such a frame
is wrong into one exception type whose message names the column and the unit, so a researcher (or a
dbt run) sees *what* to fix rather than a NumPy traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


class InputError(ValueError):
    """The input frame cannot be evaluated; the message names the column and unit at fault."""


def validate_frame(
    frame: pd.DataFrame,
    id_column: str,
    columns: Sequence[str],
    *,
    min_units: int = 3,
) -> pd.DataFrame:
    """Return ``frame[[id_column, *columns]]`` with float indicator columns, or raise InputError.

    Rejects: a non-DataFrame, unknown or repeated column names, fewer than ``min_units`` rows,
    missing or duplicated ids, and non-numeric, missing or infinite indicator values.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    columns = list(columns)
    if not columns:
        raise InputError("no indicator columns given")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise InputError(f"indicator columns listed more than once: {repeated}")
    unknown = [c for c in [id_column, *columns] if c not in frame.columns]
    if unknown:
        raise InputError(
            f"unknown column(s) {unknown}; the frame has {list(map(str, frame.columns))}"
        )
    if len(frame) < min_units:
        raise InputError(f"need at least {min_units} units to evaluate, got {len(frame)}")

    ids = frame[id_column]
    if ids.isna().any():
        position = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise InputError(f"column {id_column!r}: missing id in row {position}")
    duplicated = ids[ids.duplicated()].unique().tolist()
    if duplicated:
        raise InputError(f"column {id_column!r}: duplicated unit id(s) {duplicated}")

    clean = {id_column: ids.to_numpy()}
    for column in columns:
        values = frame[column]
        # Numeric columns (what a SQL model hands over) need no parsing: only their gaps count.
        numeric = values if values.dtype.kind in "fiu" else pd.to_numeric(values, errors="coerce")
        missing = numeric.isna().to_numpy()
        if missing.any():
            # Text first: a column read as text explains its gaps too.
            text = missing & values.notna().to_numpy()
            if text.any():
                where = int(np.flatnonzero(text)[0])
                raise InputError(
                    f"column {column!r}: non-numeric value {values.iloc[where]!r} "
                    f"for unit {ids.iloc[where]!r}"
                )
            where = int(np.flatnonzero(missing)[0])
            raise InputError(f"column {column!r}: missing value for unit {ids.iloc[where]!r}")
        as_float = numeric.to_numpy(dtype=float)
        if not np.isfinite(as_float).all():
            where = int(np.flatnonzero(~np.isfinite(as_float))[0])
            raise InputError(f"column {column!r}: infinite value for unit {ids.iloc[where]!r}")
        clean[column] = as_float
    return pd.DataFrame(clean)
