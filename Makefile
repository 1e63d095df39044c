# resdir — set-up, run and test. Needs Python 3.11 and npm (Leaflet); an installed wheel, Python only.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

ES := es/es.sh
# `make test FAKE_TIME="<instant>"` runs pytest under libfaketime (Debian's faketime), its clock
# starting at that instant and running on, for Chromium and node too (told to skip them, they
# crash); Elasticsearch keeps the machine's.
# Nothing may depend on the day the suite runs: `make test-clock` runs it at each of these
# (Pacific): a spring-forward night, New Year's Eve a minute to midnight, a Sunday at 2 AM.
CLOCK_INSTANTS := 2027-03-14T01:59:00-08:00 2026-12-31T23:59:00-08:00 2026-12-06T02:00:00-08:00
FAKETIME_SKIP := java

.PHONY: install wheel run test test-clock print-clock-instants faketime lint format bench clean es-start es-stop browser messages

VENDOR := resdir/static/vendor
CATALOGS := $(patsubst %.po,%.mo,$(wildcard resdir/translations/*/LC_MESSAGES/messages.po))

$(STAMP): pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	npm ci --no-audit --no-fund --silent
	touch $(STAMP)

# Leaflet, pinned in package-lock.json, served from the package's static files.
$(VENDOR)/leaflet/leaflet.js: $(STAMP)
	rm -rf $(VENDOR) && mkdir -p $(VENDOR) && cp -R node_modules/leaflet/dist $(VENDOR)/leaflet

# Translations are kept as .po files; the app reads them compiled.
%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -i $< -o $@

install: $(STAMP) $(CATALOGS) $(VENDOR)/leaflet/leaflet.js

## make wheel: dist/resdir-<version>-py3-none-any.whl, the catalogs and Leaflet built into it
wheel: install
	rm -rf dist
	$(BIN)/pip wheel --no-deps --quiet --wheel-dir dist .

## make messages: collect the texts to translate (templates, code, vocabulary) into the catalogs
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o resdir/translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i resdir/translations/messages.pot -d resdir/translations --no-fuzzy-matching --ignore-obsolete

## make run: install, load data/seed/ into the embedded store, serve on http://127.0.0.1:5000
run: install
	$(BIN)/resdir db upgrade
	$(BIN)/resdir ingest data/seed/manifest.toml
	$(BIN)/resdir serve --host $(HOST) --port $(PORT)

## make test: install, lint, start an Elasticsearch node (when Java 17+ is here), run every test
# The node is stopped afterwards unless it was already up (make es-start). es.sh exits 3 when
# there is no Java: the Elasticsearch tests then skip, or fail under RESDIR_REQUIRE_ELASTICSEARCH.
test: install lint browser $(if $(FAKE_TIME),faketime)
	@was_up=$$($(ES) status 2>/dev/null); \
	url=$$($(ES) start); rc=$$?; \
	if [ $$rc -eq 3 ]; then url=; echo "make test: no Java 17+, no Elasticsearch node"; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi; \
	$(if $(FAKE_TIME),echo "make test: the clock starts at $(FAKE_TIME)";) \
	env $${url:+RESDIR_TEST_ELASTICSEARCH_URL=$$url} \
	  $(if $(FAKE_TIME),FAKETIME_SKIP_CMDS=$(FAKETIME_SKIP) faketime "$(FAKE_TIME)") \
	  $(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ -n "$$url" ] && [ -z "$$was_up" ]; then $(ES) stop; fi; \
	exit $$rc

## make test-clock: the whole suite at each of CLOCK_INSTANTS, one after another
test-clock:
	@for instant in $(CLOCK_INSTANTS); do $(MAKE) --no-print-directory test FAKE_TIME=$$instant || exit 1; done

print-clock-instants:
	@echo $(CLOCK_INSTANTS)

## make faketime: Debian's libfaketime, for FAKE_TIME
faketime:
	@command -v faketime >/dev/null || apt-get install -y -q faketime >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q faketime >/dev/null 2>&1) || \
	  (echo "make faketime: could not install faketime (Debian package faketime)"; exit 1)

## make browser: Debian's Chromium for the page tests (Playwright drives it; its own download
# does not work here). Without root or apt the page tests skip, or fail under RESDIR_REQUIRE_BROWSER.
browser:
	@command -v chromium >/dev/null || apt-get install -y -q chromium >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1) || \
	  echo "make browser: could not install chromium; the page tests will not run"

## make es-start: start the development Elasticsearch node on http://127.0.0.1:9200
es-start:
	$(ES) start

## make es-stop: stop the node es-start or make test started
es-stop:
	$(ES) stop

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/match.py

clean:
	$(ES) stop
	rm -rf $(VENV) instance dist .pytest_cache .ruff_cache node_modules $(VENDOR) $(CATALOGS)
