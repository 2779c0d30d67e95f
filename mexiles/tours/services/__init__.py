"""Tours' public API: the only part of tours other domains import."""

from .events import PublicTalk, public_event, public_talk, timeline_for_person

__all__ = ["PublicTalk", "public_event", "public_talk", "timeline_for_person"]
