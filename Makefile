# resdir — set-up, run and test. Needs only Python 3.11 on the machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

ES := es/es.sh

.PHONY: install run test lint format bench clean es-start es-stop browser messages

VENDOR := resdir/static/vendor
CATALOGS := $(patsubst %.po,%.mo,$(wildcard resdir/translations/*/LC_MESSAGES/messages.po))

$(STAMP): pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	npm ci --no-audit --no-fund --silent
	rm -rf $(VENDOR) && mkdir -p $(VENDOR) && cp -R node_modules/leaflet/dist $(VENDOR)/leaflet
	touch $(STAMP)

# Translations are kept as .po files; the app reads them compiled.
%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -i $< -o $@

install: $(STAMP) $(CATALOGS)

## make messages: collect the texts to translate (templates, code, vocabulary) into the catalogs
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o resdir/translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i resdir/translations/messages.pot -d resdir/translations --no-fuzzy-matching --ignore-obsolete

## make run: install, load data/seed/ into the embedded store, serve on http://127.0.0.1:5000
run: install
	$(BIN)/resdir init-db
	$(BIN)/resdir ingest data/seed/manifest.toml
	$(BIN)/resdir serve --host $(HOST) --port $(PORT)

## make test: install, lint, start an Elasticsearch node (when Java 17+ is here), run every test
# The node is stopped afterwards unless it was already up (make es-start). es.sh exits 3 when
# there is no Java: the Elasticsearch tests then skip, or fail under RESDIR_REQUIRE_ELASTICSEARCH.
test: install lint browser
	@was_up=$$($(ES) status 2>/dev/null); \
	url=$$($(ES) start); rc=$$?; \
	if [ $$rc -eq 3 ]; then url=; echo "make test: no Java 17+, no Elasticsearch node"; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi; \
	env $${url:+RESDIR_TEST_ELASTICSEARCH_URL=$$url} $(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ -n "$$url" ] && [ -z "$$was_up" ]; then $(ES) stop; fi; \
	exit $$rc

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
	rm -rf $(VENV) instance .pytest_cache .ruff_cache node_modules $(VENDOR) $(CATALOGS)
