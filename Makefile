# Set-up lives here so the README's two commands work on a fresh machine.
# torch==2.13.0 is installed first: it is the local CPU wheel; any other torch pulls GBs of CUDA.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  := torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: run test lint browser fonts clean-index

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e '.[test,ocr]'
	touch $(STAMP)

# `make run PORT=8080 HOST=0.0.0.0`: both optional (default 127.0.0.1:7860, or ASSISTANT_PORT / ASSISTANT_HOST).
run: $(STAMP)
	$(BIN)/assistant serve $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null; }

# The OCR tests draw scanned pages in this Chinese font.
fonts:
	@test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || { apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null; }

test: $(STAMP) browser fonts
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check assistant ui eval tests

clean-index:
	rm -rf index/default
