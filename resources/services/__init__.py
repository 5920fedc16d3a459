"""Writes of the resource centre, one module per area (publishing, files, search, library, collections)."""
