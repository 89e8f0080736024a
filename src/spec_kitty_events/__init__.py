"""spec-kitty-events: typed event contracts shared by the spec-kitty CLI and SaaS.

The public surface (168 names) is re-exported here; see the README for a tour.
"""

__version__ = "2.4.0"

__all__ = ["__version__"]
