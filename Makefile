# The two commands of the README: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test lint install translations browser bench bench-webhooks

# `make run STRIPE=local`: the same with localstripe, a stand-in for Stripe, wired in (keys, CSP,
# the webhook endpoint), so that one can give and then manage a monthly gift in the portal.
# Invented contact details, so that the demo's donate page shows where to write, call and mail a check.
run: export ORG_CONTACT_EMAIL ?= donaciones@mexiles.example
run: export ORG_CONTACT_PHONE ?= +1 915 555 0142
run: export ORG_ADDRESS ?= Apartado 17, El Paso, TX 79901
# The address links in mail from the command line (flask care remind) point to.
run: export BASE_URL ?= http://127.0.0.1:5000
run: install translations
ifeq ($(STRIPE),local)
	$(BIN)/python -m tests.giving.run_with_localstripe
else
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	$(BIN)/flask run --host 127.0.0.1 --port 5000
endif

test: install translations browser
	$(BIN)/python -m pytest

# The checks CI runs before the tests (settings in pyproject.toml).
lint: install
	$(BIN)/ruff check mexiles tests
	$(BIN)/ruff format --check mexiles tests
	$(BIN)/mypy

# Giving benchmark on PostgreSQL (a million gifts, then the webhook burst); not part of `make test`.
bench: install translations
	$(BIN)/python bench/giving_bench.py
	$(BIN)/python bench/webhook_bench.py

# Only the burst of 500 signed webhook events against /healthz (a small database of its own).
bench-webhooks: install translations
	$(BIN)/python bench/webhook_bench.py

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

translations: install
	$(BIN)/flask translate compile

# The browser tests drive Debian's chromium (Playwright cannot download its own browser here);
# it is installed only when some test needs it.
browser:
	@grep -rqs "pytest.mark.browser" tests || exit 0; \
	command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }
