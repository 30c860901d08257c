# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test lint security format lock browser translations index eval bench clean

$(VENV)/.installed: pyproject.toml .ci/requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: the CPU build on this disk (any other version pulls CUDA).
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c .ci/requirements.lock -e '.[dev]'
	touch $@

# The exact versions installed, recorded for reproducible installs and offline audits.
lock: $(VENV)/.installed
	{ echo "# Exact versions the tests and measurements ran on (pip install -c). Regenerate: make lock"; \
	  echo "# Audit where a vulnerability database is reachable: pip-audit -r .ci/requirements.lock"; \
	  $(BIN)/pip freeze --exclude-editable; } > .ci/requirements.lock

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d portal/translations

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

index: install
	$(BIN)/portal index build --if-stale

run: install instance/secret_key
	$(BIN)/portal db upgrade
	$(BIN)/portal articles check || true
	$(BIN)/portal index build --if-stale
	$(BIN)/portal users demo
	@# gunicorn (as in production) and the worker (email, article mirroring, index updates).
	PORTAL_SECRET_KEY=$$(cat instance/secret_key) \
	PORTAL_PUBLIC_URL=$${PORTAL_PUBLIC_URL:-http://$(HOST):$(PORT)} \
	PORTAL_SESSION_COOKIE_SECURE=$${PORTAL_SESSION_COOKIE_SECURE:-0} \
	$(BIN)/portal run --host $(HOST) --port $(PORT)

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# bandit: known-risky calls in our own code (medium severity and up) fail the build.
security: install
	$(BIN)/bandit -q -r portal indexer bench -ll

test: install browser lint security
	$(BIN)/pytest -q

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

eval: install
	$(BIN)/portal eval --data ../shared/data

bench: install
	$(BIN)/portal bench --data ../shared/data

clean:
	rm -rf $(VENV) instance/index
