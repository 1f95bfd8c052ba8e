#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image: install the grader's sandbox
# (bubblewrap), Python 3.11 and what grading needs (requirements.lock: the grader's runtime at the
# course's versions), then build the gradebook. It runs on Gradescope's default base image,
# gradescope/autograder-base:ubuntu-22.04: python3.11 is in Ubuntu 22.04's archive (universe,
# jammy-updates) and in neither 20.04's nor 24.04's, so any other image stops here in one line.
# AUTOGRADER_PYTHON, when set, names an existing interpreter and skips the installs (tests), and
# AUTOGRADER_OS_RELEASE stands for /etc/os-release (tests).
set -euo pipefail
COURSE="${AUTOGRADER_ROOT:-/autograder}/source"
cd "$COURSE"
if [ -z "${AUTOGRADER_PYTHON:-}" ]; then
  system=$( { . "${AUTOGRADER_OS_RELEASE:-/etc/os-release}"; } 2>/dev/null; echo "${ID:-}${VERSION_ID:+ $VERSION_ID}" )
  if [ "$system" != "ubuntu 22.04" ]; then
    echo "error: this autograder runs on Gradescope's base image gradescope/autograder-base:ubuntu-22.04" \
         "(Ubuntu 22.04, whose archive has python3.11), not on ${system:-an unknown system}:" \
         "choose Ubuntu 22.04 as the autograder's base image" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap python3.11 python3.11-venv >/dev/null
  python3.11 -m venv .venv
  .venv/bin/pip install --quiet --no-deps -r requirements.lock
  .venv/bin/pip install --quiet --no-deps --no-build-isolation -e .
fi
"${AUTOGRADER_PYTHON:-$COURSE/.venv/bin/python}" -m autograder build
