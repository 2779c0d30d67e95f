"""Entry point for gunicorn: ``gunicorn wsgi:app``."""
from mexiles import create_app

app = create_app()
