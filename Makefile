# The two set-up commands: `make run` (quickstart training) and `make test`.
# Both install exactly requirements.lock (every package pinned, with its hashes).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UV := uv==0.13.8

.PHONY: run test install lock browser

$(STAMP): requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/translations run configs/quickstart.yml

test: $(STAMP) browser
	$(PY) -m pytest -q $(PYTEST_ARGS)

# Debian's Chromium: the report test opens the report in it (tests/browser.py).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# After changing a dependency in pyproject.toml or taskcluster/requirements.in.
lock:
	python3 -m venv .lock-tools && .lock-tools/bin/pip install --quiet $(UV)
	.lock-tools/bin/uv pip compile pyproject.toml --extra test --extra setup --extra tracking --generate-hashes \
	  --universal --python-version 3.11 --no-header -o requirements.lock
	.lock-tools/bin/uv pip compile taskcluster/requirements.in -c requirements.lock --generate-hashes \
	  --universal --python-version 3.11 --no-header -o taskcluster/requirements.txt
	rm -rf .lock-tools
