"""Reading pages as a browser would: the ids of a page, which must each name one element."""

from collections import Counter
from html.parser import HTMLParser


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        # Every form's hidden CSRF token is rendered by Flask-WTF as id="csrf_token": an input no
        # label points to and no one can focus; every other id must be unique.
        if values.get("id") and not (tag == "input" and values.get("type") == "hidden"):
            self.ids[values["id"]] += 1


def duplicate_ids(page: str) -> list[str]:
    parser = _Ids()
    parser.feed(page)
    return sorted(i for i, n in parser.ids.items() if n > 1)
