"""Giving's public API: the only part of giving other domains import."""

from .gifts import event_gift_totals, fund_by_code, raised_by_month, record_offline_gift

__all__ = ["event_gift_totals", "fund_by_code", "raised_by_month", "record_offline_gift"]
