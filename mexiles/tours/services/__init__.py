"""Tours' public API: the only part of tours other domains import."""

from .events import public_event, timeline_for_person

__all__ = ["public_event", "timeline_for_person"]
