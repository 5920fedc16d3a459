"""Settings of the search benchmark's server: the hub's own settings plus one bench-only page (the naive
`icontains` search used as a baseline). Never used by the hub itself."""

from hub.settings import *  # noqa: F401,F403
from hub.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.searchkit.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "searchkit" / "templates"]
STATIC_ROOT = BASE_DIR / "static"  # served as they are (no collectstatic needed for the benchmark)
