"""Views of the resource centre, one module per area."""
