"""The code has the shape ARCHITECTURE.md describes: every domain the same files, domains that meet
only through each other's public API, no import circles, no blueprint that imports the factory.

The modules are read, not imported (ast): an import inside a function counts as much as one at the
top, since it runs as soon as the function does. Only imports under ``if TYPE_CHECKING:`` are left
out of the graph: they never run, and serve the annotations of models that name another domain's
table (the relationship itself names the class as a string)."""

import ast
import re
from pathlib import Path

import pytest

from mexiles.domains import DOMAINS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mexiles"
# What another domain may import: the public API, and the codes with their labels.
PUBLIC = {"services", "vocabulary"}
# Shared modules import no domain, except the factory (which loads them all) and mail, which
# writes each message as a job in the outbox.
SHARED_MAY_IMPORT = {"mexiles.app": set(DOMAINS), "mexiles.mail": {"jobs"}}


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _modules() -> dict[str, tuple[Path, bool]]:
    return {name: (path, is_package) for path in PACKAGE.rglob("*.py") for name, is_package in [_module_name(path)]}


MODULES = _modules()


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of the imports under ``if TYPE_CHECKING:``."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for inner in node.body:
                lines.update(range(inner.lineno, inner.end_lineno + 1))
    return lines


def _imports(name: str) -> list[tuple[str, bool]]:
    """The mexiles modules ``name`` imports (anywhere in it), each with whether only for typing."""
    path, is_package = MODULES[name]
    tree = ast.parse(path.read_text(), str(path))
    typing_only = _type_checking_only(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module
            # ``from x import y`` imports the module x.y when there is one, else a name of x.
            targets = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in MODULES else origin for alias in node.names
            ]
        else:
            continue
        found += [
            (target, node.lineno in typing_only)
            for target in targets
            if target == "mexiles" or target.startswith("mexiles.")
        ]
    return found


def _graph() -> dict[str, set[str]]:
    """Module -> the modules running it runs: what it imports, and the packages those sit in."""
    graph = {}
    for name in MODULES:
        edges = set()
        for target, typing_only in _imports(name):
            if typing_only or target not in MODULES:
                continue
            if target != name:
                edges.add(target)  # even its own package: names read from an __init__ that imports it back
            parts = target.split(".")
            for end in range(2, len(parts)):
                enclosing = ".".join(parts[:end])
                # the packages around the target run first, unless they are the module's own
                if not name.startswith(enclosing + ".") and enclosing in MODULES:
                    edges.add(enclosing)
        graph[name] = edges
    return graph


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in DOMAINS else None


def test_a_domain_imports_another_only_through_its_public_api():
    wrong = []
    for name in MODULES:
        own = _domain(name)
        for target, typing_only in _imports(name):
            other = _domain(target)
            if other is None or other == own:
                continue
            inner = target.split(".")[2:]
            if own is None and other not in SHARED_MAY_IMPORT.get(name, ()):
                wrong.append(f"{name} (shared) imports {target}")
            elif own is not None and not (
                inner == [] or (len(inner) == 1 and inner[0] in PUBLIC) or (typing_only and inner == ["models"])
            ):
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_no_import_circles():
    graph, order, low, stack, on_stack, circles = _graph(), {}, {}, [], set(), []

    def visit(module):  # Tarjan's strongly connected components
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            component = set()
            while not component or module not in component:
                component.add(stack.pop())
            on_stack.difference_update(component)
            if len(component) > 1:
                circles.append(sorted(component))

    for module in graph:
        if module not in order:
            visit(module)
    assert circles == []


def test_only_the_package_imports_the_factory():
    importers = {name for name in MODULES for target, _ in _imports(name) if target == "mexiles.app"}
    assert importers == {"mexiles"}


def _tree() -> list[tuple[int, str, str]]:
    """ARCHITECTURE.md's tree: (indent, entry, description) for each line of its first code block."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    block = re.search(r"^## The tree\n+```\n(.*?)\n```", text, re.S | re.M).group(1)
    entries = []
    for line in block.splitlines():
        match = re.match(r"( *)(\S+(?: \| \S+)*)\s*(.*)", line)
        entries.append((len(match.group(1)), match.group(2), match.group(3)))
    return entries


def _section(indent_entry: str) -> list[tuple[str, str]]:
    """The entries one level under the tree's ``indent_entry`` line, with their descriptions (a
    description that wraps onto lines of its own is joined to its entry)."""
    tree = _tree()
    start = next(i for i, (_, entry, _) in enumerate(tree) if entry == indent_entry)
    depth = tree[start][0]
    inner = []
    for indent, entry, description in tree[start + 1 :]:
        if indent <= depth:
            break
        if inner and indent > depth + 2:  # the rest of the description above
            inner[-1] = (inner[-1][0], f"{inner[-1][1]} {entry} {description}")
        else:
            inner.append((entry, description))
    return inner


def _domain_entries() -> list[tuple[list[str], bool]]:
    """Each file or folder of a domain, as its alternatives (``views.py | views/__init__.py``), and
    whether every domain must have it."""
    return [
        ([alternative.strip() for alternative in entry.split("|")], not description.strip().startswith("optional"))
        for entry, description in _section("<domain>/")
    ]


def test_the_tree_lists_the_domains_of_the_app():
    description = next(description for _, entry, description in _tree() if entry == "<domain>/")
    listed = [name.strip() for name in description.split(",")]
    on_disk = sorted(path.parent.name for path in PACKAGE.glob("*/__init__.py"))
    assert sorted(listed) == on_disk == sorted(DOMAINS)


def test_the_tree_lists_every_shared_module_and_only_those():
    listed = {entry.rstrip("/") for entry, _ in _section("mexiles/") if entry != "<domain>/"}
    on_disk = {path.name for path in PACKAGE.iterdir() if path.name != "__pycache__"} - set(DOMAINS)
    assert listed == on_disk


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_has_the_shape_of_the_tree(domain):
    root = PACKAGE / domain
    entries = _domain_entries()
    missing = [
        " | ".join(alternatives)
        for alternatives, required in entries
        if required and not any((root / alternative).exists() for alternative in alternatives)
    ]
    assert missing == [], f"{domain} lacks what every domain has"
    allowed = {alternative.split("/")[0] for alternatives, _ in entries for alternative in alternatives}
    unlisted = sorted(path.name for path in root.iterdir() if path.name != "__pycache__" and path.name not in allowed)
    assert unlisted == [], f"{domain} has files the tree does not list"


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_views_package_defines_its_blueprint_in_a_module_of_its_own(domain):
    views = PACKAGE / domain / "views"
    if not views.is_dir():
        return
    defines = {path.name for path in views.glob("*.py") if re.search(r"\bBlueprint\(", path.read_text())}
    assert defines == {"blueprint.py"}
