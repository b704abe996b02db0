# rasd: `make demo` sets up and runs the extractor on the seed article and the gold articles;
# `make test` sets up and runs the test suite. Both create the virtualenv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RASD_SHARED ?= ../shared
export RASD_SHARED
GAZETTEER := $(RASD_SHARED)/data/gazetteer/gazetteer_sy_iq.tsv.gz

.PHONY: install test demo bench eval clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dask]'
	touch $@

install: $(VENV)/.installed

# The store tests run on SQLite and on a throwaway PostgreSQL server (scripts/postgres.sh installs
# Debian's postgresql when missing, as root). In CI (CI=true) a PostgreSQL that cannot start fails
# the run; on a developer machine without it, the PostgreSQL half of the store suite is skipped.
test: install
	@url=$$(bash scripts/postgres.sh start) || { if [ "$$CI" = true ]; then echo "make test: PostgreSQL did not start" >&2; exit 1; fi; url=""; }; \
	status=0; RASD_TEST_POSTGRES_URL="$$url" $(BIN)/pytest || status=$$?; \
	bash scripts/postgres.sh stop; exit $$status

demo: install
	@echo "== the seed article (Enab Baladi, 2021-12-09), coded with the full gazetteer =="
	RASD_GAZETTEER=$(GAZETTEER) $(BIN)/rasd extract $(RASD_SHARED)/data/seed/article.txt --published 2021-12-09 --format table --explain
	@echo
	@echo "== the development gold set (66 real articles): extraction and scores =="
	$(BIN)/python bench/gold_eval.py

eval: install
	$(BIN)/python bench/gold_eval.py

bench: install
	$(BIN)/python bench/extract_speed.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
