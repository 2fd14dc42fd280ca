"""What every benchmark shares: the output folder and a fresh, migrated store in it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from api.wiring import Services

OUT = Path(__file__).resolve().parent / "out"


def fresh_services(name: str, **settings: Any) -> Services:
    """Services on an empty SQLite store in ``bench/out/<name>`` (removed first)."""
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    services = Services.from_environment(
        {"INSTANCE_PATH": str(folder), "CACHE_PATH": str(OUT / "cache"), **settings}
    )
    services.init_schema()
    return services
