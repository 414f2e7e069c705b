"""Write the HEAT lens's disaggregated data as a HEAT Plus upload file.

    python -m medres.heat_export --published published --out reports/heat_plus/medres_heat_plus.csv

Reads the published mart ``fct_heat_disaggregated``, lays it out in the HEAT Plus template
(heat_plus_template.xlsm of github.com/WHOequity/HEAT-Plus, HEAT Plus 6.0: the 20 columns of sheet
'template', rules of sheets 'template legend' and 'validation'), checks it against those rules
(:func:`medres.heat.heat_plus_problems`) and writes UTF-8 CSV with formula-like text escaped. One
setting ("China"); dimensions "Province" (non-ordered, reference subgroup = var
medres_heat_reference_subgroup), "Province ranked by GRP per capita" (ordered; subgroups are
ranks, the province in ``note``) and "Prefecture-level city (city)" (non-ordered). Open it in the
template or upload it to HEAT Plus (https://whoequity.shinyapps.io/heat-plus/ or the portable app).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from medres.figures import Marts, MissingMartError
from medres.heat import heat_plus_csv, heat_plus_problems, heat_plus_rows
from medres.publish import write_atomically

SOURCES = {
    "province": "NBS Annual by Province; China Health Statistics Yearbook (medres)",
    "city": "China City Statistical Yearbook (medres city panel)",
}


def export_frame(disaggregated: pd.DataFrame, reference: str | None) -> pd.DataFrame:
    """The upload rows of ``fct_heat_disaggregated``."""
    frame = disaggregated.rename(columns={"gdp_per_capita_yuan": "order_value"}).copy()
    names = dict(zip(frame["indicator"], frame["indicator_name"]))
    is_city = frame["level"] == "city"
    labels = frame["unit_name"].where(~is_city, frame["unit_name"] + " (" + frame["unit_code"] + ")")
    unit_names = dict(zip(frame["unit_code"] + "|" + frame["level"], labels))
    frame["unit_key"] = frame["unit_code"] + "|" + frame["level"]
    rows = heat_plus_rows(
        frame.assign(unit_code=frame["unit_key"]),
        setting="China", iso3="CHN", sources=SOURCES, indicator_names=names,
        dimension="Province", ordered_dimension="Province ranked by GRP per capita",
        references={level: (f"{reference}|{level}" if reference else None) for level in ("province", "city")},
        unit_names=unit_names,
    )
    rows.loc[rows["dimension"] == "Province (city)", "dimension"] = "Prefecture-level city"
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--out", type=Path, default=Path("reports/heat_plus/medres_heat_plus.csv"))
    arguments = parser.parse_args(argv)
    marts = Marts(arguments.published)
    try:
        disaggregated = marts("fct_heat_disaggregated")
        settings = marts("dim_build_settings").set_index("setting")["value_json"]
    except MissingMartError as error:
        print(f"medres.heat_export: {error}", file=sys.stderr)
        return 2
    reference = json.loads(settings.get("medres_heat_reference_subgroup", "null"))
    frame = export_frame(disaggregated, reference)
    problems = heat_plus_problems(frame)
    if problems:
        print("medres.heat_export: the file would not pass the HEAT Plus template checks:\n  "
              + "\n  ".join(problems), file=sys.stderr)
        return 1
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    text = heat_plus_csv(frame)
    write_atomically(arguments.out, lambda path: path.write_text(text, encoding="utf-8"))
    print(f"medres: HEAT Plus upload file {arguments.out}: {len(frame)} rows, "
          f"{frame['indicator_abbr'].nunique()} indicators, years {frame['date'].min()}-{frame['date'].max()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
