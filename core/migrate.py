"""Running Alembic from code: `anjian db upgrade`, the demo and the tests use this.

Plugins that own tables ship their revisions in a branch of their own (labelled with the
plugin name, `depends_on` the core revision that creates what they refer to); their
directories join the core's as version locations, and upgrading goes to every head.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations

SCRIPT_LOCATION = str(Path(migrations.__file__).parent)


def alembic_config(url: str, plugin_locations: Iterable[Path | str] = ()) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    locations = [str(Path(SCRIPT_LOCATION) / "versions"), *(str(p) for p in plugin_locations)]
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(locations).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads", plugin_locations: Iterable[Path | str] = ()) -> None:
    command.upgrade(alembic_config(url, plugin_locations), revision)


def revision(url: str, message: str) -> None:
    """Developers: autogenerate a new revision against an up-to-date database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
