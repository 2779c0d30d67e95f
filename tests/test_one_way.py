"""One way to do each thing (issue 12): one zone setting, and templates that leave formatting to the
filters of mexiles.timeutil."""
import re
from pathlib import Path

from mexiles.settings import from_environment

ROOT = Path(__file__).resolve().parent.parent


def test_the_organisations_zone_is_the_only_zone_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("ORG_TIME_ZONE", "America/Chicago")
    config = from_environment(tmp_path)
    zones = {key: value for key, value in config.items() if "ZONE" in key}
    assert zones == {"BABEL_DEFAULT_TIMEZONE": "America/Chicago"}
    readme_settings = set(re.findall(r"^\| `([A-Z_]*ZONE[A-Z_]*)`", (ROOT / "README.md").read_text(), re.M))
    assert readme_settings == {"ORG_TIME_ZONE"}


def test_no_template_formats_a_date_or_time_itself():
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in sorted((ROOT / "templates").rglob("*")) if path.is_file()
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"strftime|isoformat\(|\|(date|datetime|time)format\b", line)]
    assert offenders == []
