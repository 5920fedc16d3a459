"""The hub: project package (settings, urls, wsgi, asgi) and the core app shared by every other app."""
