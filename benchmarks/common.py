"""Shared by the benchmark scripts: the machine description and the JSON report."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import jax


def machine_info() -> dict:
    """Platform, JAX version and the default device."""
    return {
        "platform": platform.platform(),
        "jax": jax.__version__,
        "device": str(jax.devices()[0]),
    }


def write_report(out: str | Path, name: str, cases: list[dict]) -> Path:
    """Write ``{"machine": ..., "cases": cases}`` to ``out/name`` and return the path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    path.write_text(json.dumps({"machine": machine_info(), "cases": cases}, indent=2))
    return path
