# The two commands a newcomer runs: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export VIDEO_ASSETS_HOME ?= $(CURDIR)/.video_assets

.PHONY: demo test lint bench dev prod prod-down system-deps venv clean

$(STAMP): setup.py
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

test: system-deps venv
	$(VENV)/bin/pytest -n 2 --dist loadfile -q
	$(VENV)/bin/ruff check .

lint: venv
	$(VENV)/bin/ruff check .

demo: system-deps venv
	@bash scripts/demo.sh

bench: system-deps venv
	$(PY) bench/run_all.py

# The embedded instance gets its own dagster.yaml (the one the CLI writes there too), so `dagster dev` does not fall back
# to defaults with a warning; the repo's dagster.yaml is the production instance's (make prod, docker/).
dev: system-deps venv
	$(VENV)/bin/video-assets db upgrade
	DAGSTER_HOME=$${DAGSTER_HOME:-$(VIDEO_ASSETS_HOME)/dagster} bash -c '$(PY) -m video_assets.embedded_instance $$DAGSTER_HOME && \
	  $(VENV)/bin/dagster dev -h 127.0.0.1 -w workspace.yaml'

# The production topology without Docker: Postgres, S3, code server, webserver and daemon in the background
# (scripts/prod.sh; settings in $(VIDEO_ASSETS_HOME)/prod/env, logs in $(VIDEO_ASSETS_HOME)/prod/logs/).
prod: system-deps venv
	@VENV=$(VENV) bash scripts/prod.sh up

prod-down:
	@VENV=$(VENV) bash scripts/prod.sh down

clean:
	rm -rf $(VIDEO_ASSETS_HOME)
