"""mexiles: giving, counseling referrals, housing and speaking tours for Mexican exiles."""

from .app import create_app

__all__ = ["create_app"]
