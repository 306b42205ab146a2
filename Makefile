# The front door. Every target bootstraps .venv from requirements.lock on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)

PYTEST := $(PY) -m pytest -p no:cacheprovider
CONTRACT := $(PYTEST) contract_tests -q

.PHONY: help install serve test unit contract contract-inprocess differential fuzz-ci fuzz lint migrate lock audit clean

$(VENV)/.installed: requirements.lock requirements-uv.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-uv.lock
	$(VENV)/bin/uv pip install --quiet --python $(VENV)/bin/python --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed ## create .venv from the lock file

help: ## list every target with what it does
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-22s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

serve: install ## the three front ends side by side with demo data: Flask :8001, FastAPI :8002, async FastAPI :8003 (FLASK_PORT, FASTAPI_PORT, FASTAPI_ASYNC_PORT)
	$(PY) -m devtools.serve

migrate: install ## apply migrations to DATABASE_URL (default sqlite:///var/shop.db)
	APP_ENV=$${APP_ENV:-development} $(PY) -m alembic upgrade head

test: install lint unit differential contract fuzz-ci bench-smoke resilience-smoke ## everything CI runs: lint, unit, differential, contract, fuzz-ci, bench-smoke, resilience-smoke

unit: install ## tests/: the core without HTTP, the benchmark's pieces, these docs
	$(PYTEST) tests -q

contract-inprocess: install ## the contract suite against the three front ends served in-process, SQLite then PostgreSQL
	$(CONTRACT) --mode=inprocess --database=sqlite
	$(CONTRACT) --mode=inprocess --database=postgresql

# make test runs the in-process mode only through the differential test (100 sequences on SQLite,
# every front end's in-process target): the live runs hold every contract test, and the whole
# in-process suite took .ci/run past its 15-minute limit on a slow machine (docs/testing.md).
# The two databases' passes run at once: each keeps about one core busy, and CI has two.
contract: install ## the contract suite against the three front ends live (gunicorn, uvicorn), on SQLite and PostgreSQL at once
	@mkdir -p var
	@$(CONTRACT) --mode=live --database=sqlite > var/contract-sqlite.log 2>&1 & sqlite=$$!; \
	$(CONTRACT) --mode=live --database=postgresql > var/contract-postgresql.log 2>&1; postgresql=$$?; \
	wait $$sqlite; sqlite=$$?; \
	for db in sqlite postgresql; do echo "== $$db"; tail -n 1 var/contract-$$db.log; done; \
	test $$sqlite -eq 0 || cat var/contract-sqlite.log; test $$postgresql -eq 0 || cat var/contract-postgresql.log; \
	test $$sqlite -eq 0 && test $$postgresql -eq 0

lint: install ## ruff, mypy, and the import contracts (pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

audit: install ## pip-audit over requirements.lock: 0 clean, 1 findings, 3 not audited (e.g. no network); not part of make test
	$(PY) -m devtools.audit $(ARGS)

lock: install ## re-resolve requirements.lock from pyproject.toml
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra bench --generate-hashes --python-version 3.11 --no-header -o requirements.lock

differential: install ## every front end vs Flask on random request sequences: N of them (default 100 in-process on SQLite, 10 otherwise); MODE=inprocess|live, DATABASE=sqlite|postgresql
	$(if $(N),DIFFERENTIAL_EXAMPLES=$(N)) $(PYTEST) contract_tests/differential -q --mode=$(or $(MODE),inprocess) --database=$(or $(DATABASE),sqlite)

fuzz-ci: install ## Schemathesis against each live front end: every check and phase, 50 cases per operation
	$(PYTEST) fuzz -q

fuzz: install ## the same, longer (FUZZ_MAX_EXAMPLES, default 500)
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-500} $(PYTEST) fuzz -q

clean: ## remove generated files (venv, databases, results)
	rm -rf $(VENV) var results .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# --- benchmarks (loadtests/) ---------------------------------------------------------------
BENCH := $(PY) -m loadtests bench

.PHONY: bench bench-aa bench-smoke ui bench-crosscheck bench-instrumentation capacity bench-distributed compare resilience resilience-smoke soak

# nginx is installed only for the runs that put it in front of the servers (--proxy nginx).
NGINX_IF_PROXY = $(if $(findstring --proxy,$(ARGS)),bash devtools/install-nginx.sh)

bench: install ## verify every server, then benchmark the quick profile until decided, 16 launches or the budget (PROFILE=full: more; ARGS="--proxy nginx --tls --instances 2": also behind nginx), write results/bench-<time>/
	$(NGINX_IF_PROXY)
	$(BENCH) --profile $(or $(PROFILE),quick) $(ARGS)

bench-aa: install ## A/A: every server of the profile against a twin of itself; any faster/slower verdict is a false one
	$(BENCH) --profile $(or $(PROFILE),quick) --aa $(ARGS)

bench-smoke: install ## a smoke run of two servers, a refused one, an A/A pair; nginx over HTTPS in front of one; asserts the pipeline, never a speed
	bash devtools/install-nginx.sh
	$(PY) -m pytest -p no:cacheprovider loadtests/test_bench_smoke.py loadtests/test_proxy_smoke.py -q

bench-crosscheck: install ## a FastAPI/Flask pair under Locust and under wrk: do the two ratios agree? (--floor: shares by wrk; --proxy nginx [--tls]: shares kept behind nginx)
	bash devtools/install-wrk.sh
	$(NGINX_IF_PROXY)
	$(PY) -m loadtests crosscheck $(ARGS)

bench-instrumentation: install ## the share of req/s each framework keeps with metrics, and with metrics + tracing, on vs off (wrk)
	bash devtools/install-wrk.sh
	$(PY) -m loadtests instrumentation $(ARGS)

bench-distributed: install ## Locust master + 2 workers on test hosts (network namespaces) vs one process, same server
	$(PY) -m loadtests distributed $(ARGS)

compare: install ## run B against run A: make compare A=results/<t1> B=results/<t2> [ARGS=--fail-on-regression 5%]; writes compare.md/.html into B
	$(PY) -m loadtests compare $(A) $(B) $(ARGS)

capacity: install ## open-loop capacity (k6) of each server within p99 <= 100 ms (--slo-p99-ms; --proxy nginx [--tls]), write results/capacity-<ts>/
	$(NGINX_IF_PROXY)
	$(PY) -m loadtests capacity $(ARGS)

resilience: install ## each server under faults: SIGTERM, database outage, pool exhaustion, overload, slow clients (ARGS="--proxy nginx": behind nginx); write results/resilience-<time>/resilience.*
	bash devtools/install-nginx.sh
	$(PY) -m loadtests resilience --profile $(or $(PROFILE),quick) $(ARGS)

soak: install ## k6 at 70 % of capacity for 10 min per server (--servers to pick): errors, memory growth, p99 drift; results/resilience-<time>/soak.*
	$(PY) -m loadtests resilience --soak --profile $(or $(PROFILE),quick) $(ARGS)

resilience-smoke: install ## graceful shutdown, outage and pool 503s on one server each, a 40 s soak of a pair (needs root, PostgreSQL's server binaries)
	$(PY) -m pytest -p no:cacheprovider loadtests/test_resilience_short.py -q

.PHONY: deploy-drill
deploy-drill: install ## per server: two instances behind nginx, a rolling deploy and a refused bad release under k6 load; results/deploy-<time>/
	bash devtools/install-nginx.sh
	$(PY) -m loadtests deploy $(ARGS)

.PHONY: scale-out
SCALE_OUT_SERVERS := flask-granian-wsgi,fastapi-granian-asgi,flask-gunicorn-gthread,fastapi-gunicorn-uvicorn
INSTANCES ?= 2,4
scale-out: install ## the like-for-like pairs as 1, 2 and 4 instances behind nginx (make bench --instances): req/s, p99 and scaling efficiency; results/scale-out-<time>/
	bash devtools/install-nginx.sh
	$(BENCH) --profile quick --proxy nginx --instances $(INSTANCES) --servers $(SCALE_OUT_SERVERS) --scenarios product_by_id,mixed --out results/scale-out-$$(date -u +%Y%m%dT%H%M%SZ) $(ARGS)

.PHONY: footprint
footprint: install ## per front end: packages beyond the core, installed size, import time; idle USS per server; results/footprint-<time>/
	$(PY) -m loadtests footprint $(ARGS)

.PHONY: scale
scale: install ## list queries on 10,000 vs 1,000,000 products, SQLite and PostgreSQL: medians, ratio, PASS/FAIL at 1.5x
	nice -n 10 $(PY) -m loadtests scale $(ARGS)

ui: install ## Locust's web UI (http://127.0.0.1:8089) against a running server: make ui URL=http://127.0.0.1:8002
	$(PY) -m loadtests ui $(or $(URL),http://127.0.0.1:8002)
