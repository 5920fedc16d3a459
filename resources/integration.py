"""How the resource centre plugs into hub pages (search, home, municipality pages, data rights, demo data)."""

from __future__ import annotations


def register() -> None:
    """Called from ResourcesConfig.ready(). Registrations are added as the features land."""
