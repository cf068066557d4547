"""Revision 0002 (the link index) upgrades, downgrades and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from archive.models import Base
from archive.schema import downgrade, include_name, upgrade
from tests.linkhelpers import link_engine

__all__ = ["link_engine"]


def test_models_match_migrations(link_engine: Engine) -> None:
    with link_engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_round_trip(link_engine: Engine) -> None:
    downgrade(link_engine, "0001")
    assert "link_key" not in inspect(link_engine).get_table_names()
    upgrade(link_engine)
    assert {"link_key", "link_boilerplate", "link_state"} <= set(
        inspect(link_engine).get_table_names())
