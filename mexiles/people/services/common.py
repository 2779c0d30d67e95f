"""What the case-file services share: the refusal they raise, and the audit subject."""

SUBJECT = "person"


class CaseFileRefused(ValueError):
    """A change the rules of the case file do not allow; the message is for the user, translated."""

    @property
    def message(self) -> str:
        return str(self.args[0])
