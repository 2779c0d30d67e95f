from ..access import Role
from ..demo import PASSWORD
from .services import users as services

# Invented people only.
ACCOUNTS = (
    ("admin@example.org", "Alma Demo Admin", (Role.ADMIN,), "es"),
    ("coordinator@example.org", "Carmen Demo Coordinadora", (Role.COORDINATOR,), "es"),
    ("coordinator2@example.org", "Diego Demo Coordinator", (Role.COORDINATOR,), "en"),
    ("counselor@example.org", "Consuelo Demo Counselor", (Role.COUNSELOR,), "es"),
    ("speaker@example.org", "Sergio Demo Speaker", (Role.SPEAKER,), "es"),
    ("donor@example.org", "Dana Demo Donor", (Role.DONOR,), "en"),
)


def seed() -> list[str]:
    lines = [f"Demo accounts (password for all: {PASSWORD}):"]
    for email, name, roles, locale in ACCOUNTS:
        if services.find_by_email(email) is None:
            services.create_user(email, roles, full_name=name, password=PASSWORD, locale=locale)
        lines.append(f"  {', '.join(roles):<12} {email}")
    return lines
