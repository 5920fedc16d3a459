"""The hub's URLs plus /bench/naive/ (baseline search), for the benchmark server only."""

from django.urls import path

from bench.searchkit.naive import naive_search
from hub.urls import urlpatterns as hub_urlpatterns

urlpatterns = [path("bench/naive/", naive_search, name="bench_naive"), *hub_urlpatterns]
