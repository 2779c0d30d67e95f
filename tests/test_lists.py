"""Every list goes through the one list component (templates/macros/list.html), so that every list
turns into labelled cards on a phone: a page written later with a plain <table> fails here."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
COMPONENT = TEMPLATES / "macros" / "list.html"
# A grid whose columns are nights (the housing calendar) keeps its table shape, in its own scroll box;
# its cells are written by hand since they are not cards.
GRID = 'layout="grid"'


def _templates():
    return [path for path in sorted(TEMPLATES.rglob("*")) if path.is_file() and path != COMPONENT]


def test_no_template_builds_a_table_of_its_own():
    raw = [str(path.relative_to(TEMPLATES)) for path in _templates() if "<table" in path.read_text()]
    assert raw == [], f"use list_table from macros/list.html instead of a <table> in: {raw}"


def test_cells_come_from_the_component_so_each_carries_its_label():
    """A hand-written <td> in a card list would show a value without its column's name."""
    cell = re.compile(r"<t[dh][\s>]")
    raw = [
        str(path.relative_to(TEMPLATES))
        for path in _templates()
        if cell.search(text := path.read_text()) and GRID not in text
    ]
    assert raw == [], f"use cell() from macros/list.html for the cells in: {raw}"


def test_a_list_is_labelled_cards_with_its_key_cells_marked(client, auth, make_user, make_person):
    coordinator = make_user("coordinator")
    make_person([coordinator.id], alias="Paloma Lista", in_hiding=True)
    auth.login(coordinator)
    page = client.get("/people/").data.decode()
    assert re.search(r'<td data-label="Alias" class="key">\s*<a href="/people/\d+">', page)
    assert re.search(r'<td data-label="Safety" class="key"><span class="tag tag-alert">In hiding</span>', page)
    assert '<td data-label="Legal name">' in page
