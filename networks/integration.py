"""How networks plug into hub pages (search, home, municipality pages, data rights, demo data)."""

from __future__ import annotations


def register() -> None:
    """Called from NetworksConfig.ready(). Registrations are added as the features land."""
