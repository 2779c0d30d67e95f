"""Giving's public API: the only part of giving other domains import."""

from .gifts import (
    campaign_by_slug,
    event_gift_totals,
    fund_by_code,
    funds,
    lock_fund,
    raised_by_fund,
    raised_by_fund_month,
    raised_by_month,
    record_offline_gift,
)

__all__ = [
    "campaign_by_slug",
    "event_gift_totals",
    "fund_by_code",
    "funds",
    "lock_fund",
    "raised_by_fund",
    "raised_by_fund_month",
    "raised_by_month",
    "record_offline_gift",
]
