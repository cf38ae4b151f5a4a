#!/usr/bin/env bash
# The README's first command: install, build, and run the main job on the shipped example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 >/dev/null
mkdir -p out
./build/mailer/mailer preview articles/2026-11-job-or-career.md -o out
