#!/usr/bin/env bash
# See dev-build.sh. Runs tests from .build/NAME with the project root as working directory.
set -uo pipefail
cd "$(dirname "$0")/.."
name=${1:?name}; shift
TRUNKLINE_DIST=".build/$name" node scripts/run-tests.mjs "$@"
