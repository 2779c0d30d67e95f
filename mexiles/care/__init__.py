"""Trauma-counseling referrals: a provider directory, and referrals followed until the person got care."""
