"""The domains of the app, in the order their demo data is seeded. Each is a package of the shape
ARCHITECTURE.md describes: views (a blueprint ``bp``) and, optionally, models.py, cli.py
(``commands``) and demo.py (``seed``)."""

DOMAINS = ("main", "accounts", "audit", "people", "giving", "care", "housing", "assistance", "tours", "jobs")
