"""Where a person's timeline comes from: each domain's own "what happened for this person".

The list lives here, in the views, so that people's services import no other domain (the other
domains import people's). A new source is one line.
"""

from ...care import services as care
from ...housing import services as housing
from ...tours import services as tours
from ..services import timeline

PROVIDERS = (
    timeline.people_story,
    care.timeline_for_person,
    housing.timeline_for_person,
    tours.timeline_for_person,
)
