# Two commands matter: `make run` (the demo on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-test services chromium fonts translations clean

# setuptools reminds on every editable install that folders named like the package take
# precedence on imports; in this checkout that is the point, so the reminder is silenced.
EDITABLE := PYTHONWARNINGS="ignore:Editable installation"

$(BIN)/anjian: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(EDITABLE) $(BIN)/pip install -q -e .
	@touch $@

install: $(BIN)/anjian

run: install
	$(BIN)/anjian db upgrade
	$(BIN)/anjian demo
	$(BIN)/anjian serve --host $(HOST) --port $(PORT)

install-test: install
	$(EDITABLE) $(BIN)/pip install -q -e '.[test,prod]'

# PostgreSQL and Redis for the test suite: started when down (CI requires both).
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start) || \
	  echo "PostgreSQL not available: its tests will be skipped"
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || \
	  (command -v redis-server >/dev/null && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no) || \
	  echo "Redis not available: its tests will be skipped"

# Browser tests drive Debian's Chromium (never a downloaded browser build).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else echo "Chromium not installed: browser tests will be skipped"; fi

# The 备案登记表 PDF embeds Noto Serif CJK (Debian's fonts-noto-cjk; or set ANJIAN_PDF_FONT).
fonts:
	@if [ -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	else echo "fonts-noto-cjk not installed: PDF tests will be skipped"; fi

test: install-test services chromium fonts
	$(BIN)/pytest -q -p no:cacheprovider; status=$$?; \
	  if [ $$status -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$status

# Recompile the English catalogue after editing core/translations/en/LC_MESSAGES/messages.po
translations:
	$(BIN)/pybabel compile -d core/translations

clean:
	rm -rf $(VENV) *.egg-info
