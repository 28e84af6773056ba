"""The headless JSON API under /api/v1/ (see endpoints.py)."""

from cms.api.endpoints import api

__all__ = ["api"]
