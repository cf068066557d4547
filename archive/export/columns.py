"""The columns of every export kind, with one portable type each.

One list per kind drives every format: the CSV header, the JSON keys, the Parquet schema and
the GraphML ``<key>`` declarations. Declaring the type once is what keeps a column an integer
in Parquet, a ``long`` in GraphML and a number in JSON, instead of each writer guessing from
the first value it sees (and guessing wrong when that value is missing).

Names are a contract (DESIGN.md, "The command line"): add columns, never rename or drop one.
``docs/data.md`` says what each column means and where its value comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["string", "int", "float", "datetime", "bool", "list"]


@dataclass(frozen=True)
class Column:
    """A named, typed field of an export row."""

    name: str
    type: ColumnType


def _columns(spec: str) -> tuple[Column, ...]:
    """``"name:type name:type ..."`` as columns (a compact, greppable spelling)."""
    out = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        out.append(Column(name, kind or "string"))  # type: ignore[arg-type]
    return tuple(out)


ARTICLE_COLUMNS = _columns(
    "id:int url canonical_url outlet title published_at:datetime published_at_source "
    "first_seen_at:datetime authors:list language story_id:int "
    # added after the first release: the effective date the linker and the filters use
    "date:datetime date_source modified_at:datetime modified_at_source last_seen_at:datetime "
    "outlet_role"
)

LINK_COLUMNS = _columns(
    "url source_url relation jaccard:float containment:float containment_source:float "
    "shared_passages:int shared_chars:int published_at:datetime published_at_source "
    "source_published_at:datetime source_published_at_source lag_days:float story_id:int "
    "direction_reason confidence:float redundant method "
    # added after the first release: ids to join with the articles export, outlets, the
    # effective dates the lag is measured between, and whether the link counts as a copy
    "link_id:int article_id:int source_article_id:int outlet source_outlet date:datetime "
    "date_source source_date:datetime source_date_source copy:bool"
)

STORY_COLUMNS = _columns(
    "story_id:int size:int root_url root_outlet attributed_origin first_published_at:datetime "
    "last_published_at:datetime span_days:float "
    "root_article_id:int root_title outlet_count:int"
)

OUTLET_COLUMNS = _columns(
    "outlet role domains:list articles:int copied:int copied_by_outlets:int copied_by:list "
    "copies:int copies_from_outlets:int copies_from:list self_copies:int "
    "copy_lag_median_days:float copy_lag_p90_days:float copy_lags_dated:int "
    "copied_lag_median_days:float copied_lag_p90_days:float copied_lags_dated:int "
    "credit_share:float credited_share:float"
)

#: Edges of the outlet graph: one per (source outlet, copying outlet) pair.
OUTLET_PAIR_COLUMNS = _columns(
    "source_outlet outlet copies:int weight:float lag_median_days:float lag_p90_days:float "
    "lags_dated:int credited:int credit_share:float"
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "articles": ARTICLE_COLUMNS,
    "links": LINK_COLUMNS,
    "stories": STORY_COLUMNS,
    "outlets": OUTLET_COLUMNS,
}
