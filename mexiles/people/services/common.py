"""What the case-file services share: the refusal they raise, and the audit subject."""

from ...refusals import Refusal

SUBJECT = "person"


class CaseFileRefused(Refusal):
    """A change the rules of the case file do not allow; the message is for the user, translated."""
