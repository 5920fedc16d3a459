"""Helpers for files people open in spreadsheets (CSV exports of any app)."""

from __future__ import annotations

from typing import Any


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection): a value starting with
    = + - @ (or tab/CR) is prefixed with a quote."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
