# Kbase: `make run` sets everything up and serves; `make test` runs the suite.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed lint format check clean lock worker messages update-messages

# Installs exactly the locked, hashed versions (requirements-dev.txt is exported from uv.lock).
$(STAMP): requirements.txt requirements-dev.txt scripts/install-system-packages.sh
	bash scripts/install-system-packages.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(STAMP)

# After editing the dependencies in pyproject.toml: resolve them again and export the pinned, hashed files.
lock: install
	$(VENV)/bin/uv lock
	$(VENV)/bin/uv export --quiet --frozen --no-emit-project --no-dev -o requirements.txt
	$(VENV)/bin/uv export --quiet --frozen --no-emit-project --group dev -o requirements-dev.txt
	$(VENV)/bin/uv export --quiet --frozen --no-emit-project --group bench -o requirements-bench.txt

install: $(STAMP)

# The interface's translations (locale/<lang>/LC_MESSAGES/*.po), compiled for gettext.
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
%.mo: %.po | $(STAMP)
	@if command -v msgfmt >/dev/null; then msgfmt --check-format -o $@ $<; \
	else echo "msgfmt (gettext) not found: the English interface stays off until it is installed" >&2; fi

messages: $(MO)

# After changing interface texts: extract them again into the .po files, then translate the new entries.
update-messages: install
	DEBUG=1 $(PY) manage.py makemessages --all --no-obsolete --ignore ".venv/*" --ignore "bench/*" --ignore "tests/*" --ignore "scripts/*" --ignore "staticfiles/*" --ignore "var/*"
	DEBUG=1 $(PY) manage.py makemessages --all -d djangojs --no-obsolete --ignore ".venv/*" --ignore "static/vendor/*" --ignore "staticfiles/*" --ignore "var/*" --ignore "tests/*"

migrate: install messages
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed

run: seed
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:8000

# DEBUG=1 selects development settings (no HTTPS redirect, no static manifest);
# Django runs tests with DEBUG off whatever the setting. Production settings
# are checked by tests/test_settings.py.
test: install messages
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
