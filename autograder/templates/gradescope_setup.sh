#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image: install the grader's sandbox
# (bubblewrap), Python 3.11 and the course's pinned packages, then build the gradebook.
# AUTOGRADER_PYTHON, when set, names an existing interpreter and skips the installs (tests).
set -euo pipefail
COURSE="${AUTOGRADER_ROOT:-/autograder}/source"
cd "$COURSE"
if [ -z "${AUTOGRADER_PYTHON:-}" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap python3.11 python3.11-venv >/dev/null
  python3.11 -m venv .venv
  .venv/bin/pip install --quiet --no-deps -r requirements.lock
  .venv/bin/pip install --quiet --no-deps --no-build-isolation -e .
fi
"${AUTOGRADER_PYTHON:-$COURSE/.venv/bin/python}" -m autograder build
