"""What pyproject.toml cannot say: the wheel carries the top-level templates/ and migrations/
folders inside the package, and compiled catalogs (the .mo files are not kept in git)."""
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import find_namespace_packages, find_packages, setup
from setuptools.command.build_py import build_py


class build_py_with_catalogs(build_py):
    def run(self):
        super().run()
        for po in Path("mexiles/translations").glob("*/LC_MESSAGES/messages.po"):
            with po.open("rb") as source:
                catalog = read_po(source)
            target = Path(self.build_lib) / po.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                write_mo(out, catalog)


def _folders(top: str, package: str) -> list[str]:
    """A data folder and its subfolders, as setuptools wants them named (packages)."""
    return [package] + [f"{package}.{name}" for name in find_namespace_packages(where=top)]


setup(
    packages=(find_packages(include=["mexiles*"]) + _folders("templates", "mexiles.templates")
              + _folders("migrations", "mexiles.migrations")),
    package_dir={"mexiles.templates": "templates", "mexiles.migrations": "migrations"},
    cmdclass={"build_py": build_py_with_catalogs},
)
