# Two commands are all a user needs: `make demo` and `make test`.
# Both create .venv from requirements.lock when it is missing or out of date.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test build validate lab formgrader lock clean sandbox-tools test-tools

demo: $(STAMP) sandbox-tools
	$(PY) -m autograder demo

test: $(STAMP) sandbox-tools test-tools
	$(PY) -m pytest -n auto --dist loadgroup

build: $(STAMP)
	$(PY) -m autograder build

validate: $(STAMP) sandbox-tools
	$(PY) -m autograder validate

# JupyterLab for learners (with nbgrader's Validate button) on ./lab, a copy of the release.
lab: $(STAMP)
	$(PY) -m autograder lab

# The instructor's formgrader on ./grading, the class's course directory (course-directory, grade-batch).
formgrader: $(STAMP)
	$(PY) -m autograder formgrader

# The grader runs every submission under bubblewrap (Debian's package).
sandbox-tools:
	@command -v bwrap >/dev/null || { echo "Installing bubblewrap, the grader's sandbox (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

# The tests start a private PostgreSQL server for the gradebook on PostgreSQL, and drive
# chromium with Playwright for the browser tests (Debian's packages; Playwright's own browser
# download does not work offline).
test-tools:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "Installing PostgreSQL for the tests (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@command -v chromium >/dev/null || { echo "Installing chromium for the browser tests (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Re-resolve the pins from pyproject.toml (with every extra) in a throw-away venv.
lock:
	rm -rf /tmp/course-lock-venv && $(PYTHON) -m venv /tmp/course-lock-venv
	/tmp/course-lock-venv/bin/pip install --quiet -e '.[cluster,dev]'
	/tmp/course-lock-venv/bin/pip check
	{ sed -n '/^#/p' requirements.lock; /tmp/course-lock-venv/bin/pip freeze --all --exclude-editable | grep -v '^pip==' \
	  | grep -viE '^(rfc3987-syntax|lark)=='; } > requirements.lock.new && mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) gradebook.db demo-output
