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
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"strftime|isoformat\(|\|(date|datetime|time)format\b", line)
    ]
    assert offenders == []


# Errors that are not a user's request refused: broken configuration, forged webhooks, writes the
# database forbids, and wall-clock times the tours forms turn into field messages themselves.
NOT_REFUSALS = {
    "ConfigurationError",
    "BadSignature",
    "NotAnEvent",
    "AuditEntryImmutable",
    "UnknownAction",  # a programming error: an audit action with no words (audit/vocabulary.py)
    "CaseRecordImmutable",
    "NoSuchLocalTime",
    "OutOfRange",
    "StorageError",  # the document store failed (a fault, not a rule): services turn it into a refusal
}


def _exceptions_defined_in_mexiles():
    import importlib
    import inspect
    import pkgutil

    import mexiles

    for module_info in pkgutil.walk_packages(mexiles.__path__, "mexiles."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == module.__name__:
                yield name, value


def test_every_domain_refusal_is_a_refusal():
    from mexiles.refusals import Refusal

    found = dict(_exceptions_defined_in_mexiles())
    assert {
        "CareError",
        "AccountError",
        "HousingRefused",
        "RefundError",
        "MergeError",
        "MonthlyError",
        "ProfileError",
        "StepRefused",
        "ConflictsFound",
        "SearchTooShort",
        "CaseFileRefused",
        "RetryRefused",
    } <= set(found)
    assert NOT_REFUSALS <= set(found)
    assert (
        sorted(name for name, cls in found.items() if name not in NOT_REFUSALS and not issubclass(cls, Refusal)) == []
    )


def test_a_refusal_no_view_catches_is_a_409_with_its_message_in_the_users_language(tmp_path):
    from flask_babel import lazy_gettext as _l

    from mexiles import create_app
    from mexiles.access import public
    from mexiles.care.services import CareError

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/refusal.sqlite3"})

    @public
    def refuse():
        raise CareError(_l("Go back, check the form and try again."))

    app.add_url_rule("/test-refusal", "test_refusal", refuse)
    response = app.test_client().get("/test-refusal", headers={"Accept-Language": "es"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Eso no se puede hacer" in page and "Regrese, revise el formulario" in page


def test_the_staff_check_is_written_once():
    """Coordinators-or-admins is mexiles.access.is_staff / staff_only; no module spells it again."""
    spelled = re.compile(
        r"Role\.(ADMIN|COORDINATOR), Role\.(ADMIN|COORDINATOR)\)|Role\.(ADMIN|COORDINATOR), "
        r"Role\.(ADMIN|COORDINATOR)\]\)|has_any_role\(Role\.STAFF\)"
    )
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("mexiles", "templates")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".py", ".html") and path.name != "access.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if spelled.search(line)
    ]
    assert offenders == []


def test_staff_pages_answer_coordinators_and_admins_only(client, auth, make_user):
    for roles, status in ((("coordinator",), 200), (("admin",), 200), (("counselor",), 403), (("donor",), 403)):
        user = make_user(*roles)
        auth.login(user)
        for page in ("/give/staff/", "/housing/", "/tours/manage/requests", "/care/referrals/", "/people/"):
            assert client.get(page).status_code == status, (roles, page)
        auth.logout()
