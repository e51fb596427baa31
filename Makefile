# Kbase: `make run` sets everything up and serves; `make test` runs the suite.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed lint format check clean

$(STAMP): requirements.txt requirements-dev.txt scripts/install-system-packages.sh
	bash scripts/install-system-packages.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed

run: seed
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:8000

# DEBUG=1 selects development settings (no HTTPS redirect, no static manifest);
# Django runs tests with DEBUG off whatever the setting. Production settings
# are checked by tests/test_settings.py.
test: install
	DEBUG=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py check
	DEBUG=$${DEBUG:-1} $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles
