#!/usr/bin/env bash
# The whole test suite: installs what the end-to-end tests need (when run as
# root on Debian), then vets, unit-tests with the race detector, fuzzes every
# decoder briefly, and drives the real binary with real clients.
#
#   scripts/test.sh            everything (what CI runs)
#   FUZZTIME=2m scripts/test.sh    longer fuzzing
#   HAKONIWA_LONG=1 scripts/test.sh  long crash/soak variants
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  [ -x /usr/bin/aws ] || missing+=(awscli)          # aws CLI v2, at /usr/bin/aws
  [ -x /usr/bin/s3cmd ] || missing+=(s3cmd)        # S3 e2e: s3cmd 2.x
  [ -x /usr/bin/rclone ] || missing+=(rclone)      # S3 e2e: rclone
  [ -x /usr/bin/curl ] || missing+=(curl)          # presigned URLs fetched by curl
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
# The Python on these machines carries boto3 and aws CLI v1; say so loudly
# when it does not, and make e2e refuse to skip them in CI.
python3 -c 'import boto3' 2>/dev/null || echo "warning: boto3 not importable; its e2e tests will skip"
if [ "${CI:-}" = "true" ]; then export HAKONIWA_E2E_REQUIRE_CLIENTS=1; fi

echo "== go vet"
go vet ./...

echo "== unit tests (race detector)"
go test -race -count=1 $(go list ./... | grep -v /test/e2e)

echo "== fuzz (${FUZZTIME:=10s} per target)"
for pkg in $(go list ./... | grep -v /test/e2e); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "$pkg" >/dev/null || { echo "fuzz $pkg $target FAILED"; go test -run='^$' -fuzz="^${target}\$" -fuzztime=1x "$pkg"; exit 1; }
    echo "fuzz $target ($pkg): ok"
  done
done

echo "== end-to-end (real binary, real clients)"
go test -count=1 -timeout 20m ./test/e2e/...
