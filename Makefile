# rasd: `make demo` sets up, codes the seed article, ingests the development corpus and serves the page;
# `make test` sets up and runs the test suite. Both create the virtualenv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RASD_SHARED ?= ../shared
export RASD_SHARED
GAZETTEER := $(RASD_SHARED)/data/gazetteer/gazetteer_sy_iq.tsv.gz

.PHONY: install test demo bench bench-gazetteer gazetteer eval clean web demo-serve bench-api
STATIC := src/rasd/serve/static/vendor
DEMO_DB ?= rasd-demo.db
HOST ?= 127.0.0.1
PORT ?= 8000

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dask]'
	touch $@

install: $(VENV)/.installed web

# The page's browser libraries: installed from npm by package.json/package-lock.json (npm ci) and
# copied into the package's static folder (git-ignored; nothing from npm is committed).
$(STATIC)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	rm -rf $(STATIC) && mkdir -p $(STATIC)/leaflet $(STATIC)/leaflet.markercluster
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images $(STATIC)/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(STATIC)/leaflet.markercluster/
	touch $@

web: $(STATIC)/.installed

# The store tests run on SQLite and on a throwaway PostgreSQL server (scripts/postgres.sh installs
# Debian's postgresql when missing, as root). In CI (CI=true) a PostgreSQL that cannot start fails
# the run; on a developer machine without it, the PostgreSQL half of the store suite is skipped.
test: install
	@url=$$(bash scripts/postgres.sh start) || { if [ "$$CI" = true ]; then echo "make test: PostgreSQL did not start" >&2; exit 1; fi; url=""; }; \
	browser=$$(bash scripts/browser.sh) || { if [ "$$CI" = true ]; then echo "make test: no chromium for the browser tests" >&2; exit 1; fi; browser=""; }; \
	status=0; RASD_TEST_POSTGRES_URL="$$url" RASD_TEST_CHROMIUM="$$browser" $(BIN)/pytest || status=$$?; \
	bash scripts/postgres.sh stop; exit $$status

demo: install
	@if [ -d $(RASD_SHARED)/data/gazetteer ]; then $(BIN)/rasd gazetteer build --from $(RASD_SHARED)/data/gazetteer; \
	 else echo "no $(RASD_SHARED)/data/gazetteer: rasd uses its built-in fallback gazetteer"; fi
	@echo "== the seed article (Enab Baladi, 2021-12-09) =="
	$(BIN)/rasd extract $(RASD_SHARED)/data/seed/article.txt --published 2021-12-09 --format table --explain
	@echo
	@echo "== the seed article and the development corpus into $(DEMO_DB); then the page at http://$(HOST):$(PORT)/ =="
	$(MAKE) --no-print-directory demo-serve

# The analysts' page on the seed article and the development corpus: open http://127.0.0.1:8000/
# (RASD_TOKEN=... make demo-serve for the review mode).
demo-serve: install
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	RASD_GAZETTEER=$(GAZETTEER) $(BIN)/rasd ingest $(RASD_SHARED)/data/seed/article.txt --published 2021-12-09 --db $(DEMO_DB) --no-progress
	RASD_GAZETTEER=$(GAZETTEER) $(BIN)/rasd ingest $(RASD_SHARED)/data/corpus/dev.jsonl --db $(DEMO_DB) --no-progress
	RASD_GAZETTEER=$(GAZETTEER) $(BIN)/rasd serve --db $(DEMO_DB) --host $(HOST) --port $(PORT)

bench-api: install
	$(BIN)/python bench/api_latency.py

eval: install
	$(BIN)/python bench/gold_eval.py
	$(BIN)/python bench/gold_eval.py --dev2
	$(BIN)/python bench/gold_eval.py --dev3
	$(BIN)/python bench/gold_eval.py --heldout

bench: install
	$(BIN)/python bench/extract_speed.py

bench-gazetteer: install
	$(BIN)/python bench/gazetteer_bench.py

# builds rasd's gazetteer index into RASD_HOME (default ~/.local/share/rasd), which rasd then uses
gazetteer: install
	$(BIN)/rasd gazetteer build --from $(RASD_SHARED)/data/gazetteer

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache node_modules $(STATIC)
