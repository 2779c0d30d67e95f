"""The baseline for the benchmark: the smallest Flask app, under the same gunicorn settings."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello"
