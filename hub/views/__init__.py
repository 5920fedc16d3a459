"""Views of the hub, one module per area; each view is thin: parse, authorise, call a service or selector, render."""
