#!/usr/bin/env bash
# Build into a private output folder so that several people (or agents) can compile and test
# the same working tree at once without racing on dist/. Usage:
#   scripts/dev-build.sh NAME            → compiles to .build/NAME
#   scripts/dev-test.sh NAME [WORDS…]    → runs the compiled tests whose path has one of WORDS
set -uo pipefail
cd "$(dirname "$0")/.."
name=${1:?name}
npx tsc -p tsconfig.json --outDir ".build/$name" --tsBuildInfoFile ".build/$name/.tsbuildinfo"
