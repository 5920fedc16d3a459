"""Views of the peer learning networks, one module per area."""
