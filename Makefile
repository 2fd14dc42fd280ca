# talentmatch — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint bench bench-gaps bench-refresh bench-index bench-scale bench-encoders quality quality-tuned quality-tune seed-data clean translations screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: the CPU wheel; any other spec pulls GBs of CUDA packages
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install  ## fresh machine → demo served at http://127.0.0.1:8000
	$(BIN)/talentmatch init
	$(BIN)/talentmatch seed --if-empty
	$(BIN)/talentmatch index
	$(BIN)/talentmatch serve --host $(HOST) --port $(PORT)

test: install  ## the whole suite (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check matcher embeddings store api seed jobs tests bench
	$(BIN)/mypy

bench: install  ## throughput and latency ratios, printed from one run
	$(BIN)/python -m bench.core
	$(BIN)/python -m bench.gaps
	$(BIN)/python -m bench.refresh
	$(BIN)/python -m bench.access
	$(BIN)/python -m bench.answers

bench-refresh: install  ## refresh of 10k postings: first, 1% changed (ratio), unchanged (encoder calls)
	$(BIN)/python -m bench.refresh
	$(BIN)/python -m bench.access

bench-gaps: install  ## gap coverage quality on ESCO (AUROC, precision/recall) and report cost at 50k x 5k
	$(BIN)/python -m bench.gaps

bench-index: install  ## one write to the faiss index at 10k and 100k vectors: delta against whole rewrite
	$(BIN)/python -m bench.index_writes

bench-scale: install  ## 10k, 100k and 1M postings on faiss and pgvector (PostgreSQL): import, build, recall, HTTP latency, writes
	$(BIN)/python -m bench.scale

bench-encoders: install  ## all-MiniLM-L6-v2 against multilingual-e5-small on 2 threads: texts/s, one-query latency, memory
	$(BIN)/python -m bench.encoders

quality: install  ## matching quality on ESCO, CC-CEDICT zh-en, job titles, occupation gaps and the demo, against plain cosine and BM25
	$(BIN)/python -m bench.quality

quality-tuned: install  ## tune the model (test occupations held out), then the title and gap sets with it
	rm -rf bench/out/tuned
	TALENTMATCH_INSTANCE_PATH=bench/out/tuned $(BIN)/talentmatch init
	TALENTMATCH_INSTANCE_PATH=bench/out/tuned $(BIN)/talentmatch tune --evaluate
	$(BIN)/python -m bench.quality --sets titles,gaps --model "$$(ls -d bench/out/tuned/models/*/ | tail -1)"

quality-tune: install  ## choose the fusion weights on the ESCO and held-out zh-en sets
	$(BIN)/python -m bench.quality --tune

translations: install  ## extract page strings, merge them into the catalogues, compile them
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -o api/translations/messages.pot --no-location --sort-output --omit-header api
	$(BIN)/pybabel update -i api/translations/messages.pot -d api/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d api/translations

screenshots: install  ## each main page at 1280 and 390 px, Chinese and English, into screenshots/
	$(BIN)/python -m tests.screenshots

seed-data: install  ## regenerate seed/data/*.jsonl from seed/catalog.py
	$(BIN)/python -m seed.build

clean:
	rm -rf instance bench/out .pytest_cache
