"""The headless JSON API under /api/v1/ (see endpoints.py)."""

from wizard.api.endpoints import api

__all__ = ["api"]
