"""Small registries through which apps add to hub pages without hub importing them.

An app registers from its AppConfig.ready():
- a search provider (site search at /search/),
- a home-page section,
- a municipality-page section,
- a part of "download my data" and of account deletion,
- a demo-data seeder (run by `manage.py seed_demo` after the hub's own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol


@dataclass
class SearchResult:
    title: str
    url: str
    summary: str = ""
    meta: str = ""


@dataclass
class SearchGroup:
    key: str
    label: str
    results: list[SearchResult]
    total: int
    more_url: str = ""


class SearchProvider(Protocol):
    key: str
    label: str

    def search(self, *, user: Any, query: str, limit: int) -> SearchGroup: ...


@dataclass
class PageSection:
    """A block an app adds to a hub page. `render(request, **context)` returns HTML or "" to show nothing."""

    key: str
    order: int
    render: Callable[..., str]


@dataclass
class DataRightsPart:
    """An app's part of "download my data" (export) and of account deletion (erase)."""

    key: str
    export: Callable[[Any], Any]
    erase: Callable[[Any], None] | None = None


@dataclass
class DemoSeeder:
    """An app's demo content. `seed(stdout)` must be idempotent and return demo log-ins it created as
    (role label, email) pairs."""

    key: str
    order: int
    seed: Callable[[Any], list[tuple[str, str]]]


@dataclass
class _Registry:
    search_providers: list[SearchProvider] = field(default_factory=list)
    home_sections: list[PageSection] = field(default_factory=list)
    municipality_sections: list[PageSection] = field(default_factory=list)
    data_rights_parts: list[DataRightsPart] = field(default_factory=list)
    demo_seeders: list[DemoSeeder] = field(default_factory=list)


_registry = _Registry()


def _add(items: list, item: Any) -> None:
    key = item.key
    items[:] = [existing for existing in items if existing.key != key]
    items.append(item)


def register_search_provider(provider: SearchProvider) -> None:
    _add(_registry.search_providers, provider)


def register_home_section(section: PageSection) -> None:
    _add(_registry.home_sections, section)
    _registry.home_sections.sort(key=lambda section: section.order)


def register_municipality_section(section: PageSection) -> None:
    _add(_registry.municipality_sections, section)
    _registry.municipality_sections.sort(key=lambda section: section.order)


def register_data_rights_part(part: DataRightsPart) -> None:
    _add(_registry.data_rights_parts, part)


def search_providers() -> list[SearchProvider]:
    return list(_registry.search_providers)


def home_sections() -> list[PageSection]:
    return list(_registry.home_sections)


def municipality_sections() -> list[PageSection]:
    return list(_registry.municipality_sections)


def data_rights_parts() -> list[DataRightsPart]:
    return list(_registry.data_rights_parts)


def register_demo_seeder(seeder: DemoSeeder) -> None:
    _add(_registry.demo_seeders, seeder)
    _registry.demo_seeders.sort(key=lambda seeder: seeder.order)


def demo_seeders() -> list[DemoSeeder]:
    return list(_registry.demo_seeders)
