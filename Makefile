# onething — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PEOPLE ?= 20000
ENTERPRISES ?= 3000
SEED ?= 1
# The simulated year `make run` loads so the dashboard has data on first start (skipped when
# that year is already simulated); `make run SIM_CASES=260000` for the district's full year.
SIM_YEAR ?= $(shell date +%Y)
SIM_CASES ?= 20000

.PHONY: run test setup echarts migrate demo lint format system-deps browser-deps openapi openapi-check clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Apache ECharts for the supervision dashboard, from the npm registry at a pinned version; served
# from var/npm by STATICFILES_DIRS (settings.py) and never committed.
ECHARTS_VERSION := 6.1.0
ECHARTS_STAMP := var/npm/.echarts-$(ECHARTS_VERSION)

$(ECHARTS_STAMP):
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed to install ECharts (Debian: apt-get install npm)" >&2; exit 1; }
	npm install --no-audit --no-fund --save-exact --prefix var/npm echarts@$(ECHARTS_VERSION)
	touch $@

echarts: $(ECHARTS_STAMP)

setup: $(STAMP) echarts

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo --people $(PEOPLE) --enterprises $(ENTERPRISES) --seed $(SEED)
	$(PY) manage.py simulate --year $(SIM_YEAR) --cases $(SIM_CASES) --seed $(SEED) --if-missing

run: system-deps echarts demo
	$(PY) manage.py runserver 127.0.0.1:8000

# CJK fonts and Pango for PDF notices and guides (WeasyPrint), from Debian. HarfBuzz's subsetter
# lets WeasyPrint embed just the glyphs used: under 1 s per notice instead of about 23 s with the
# pure-Python fallback on the large CJK fonts.
system-deps:
	@if ! fc-list 2>/dev/null | grep -qi "noto.*cjk" || ! ldconfig -p | grep -q libpangoft2-1.0 \
		|| ! ldconfig -p | grep -q libharfbuzz-subset; then \
		echo "Installing fonts-noto-cjk, Pango and HarfBuzz subset from Debian…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; \
	fi

# Debian's Chromium for browser tests (a browser download from a registry does not work here).
browser-deps: system-deps
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "Installing chromium from Debian…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

openapi: setup
	$(PY) manage.py export_openapi > openapi.json

openapi-check: setup
	@$(PY) manage.py export_openapi | diff -q - openapi.json >/dev/null || \
		(echo "openapi.json is out of date: run 'make openapi' and commit it" >&2; exit 1)

test: setup echarts browser-deps lint openapi-check
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(PY) -m pytest -q

clean:
	rm -rf var .pytest_cache
