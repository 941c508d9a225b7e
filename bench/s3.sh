#!/usr/bin/env bash
# S3's figures in one run, each against a baseline measured in the same run:
# PUT/GET 1 MiB and PUT 4 KiB against a bare net/http handler with the same
# signed SDK client, ListObjectsV2 over 100k keys against a 10-key bucket,
# and the server's resident memory growth during a multipart upload.
#
#   bench/s3.sh          the 515 MiB multipart (needs ~1.1 GiB of disk)
#   bench/s3.sh --long   the 5 GiB one as well (needs ~11 GiB; or HAKONIWA_LONG=1)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--long" ] && export HAKONIWA_LONG=1
export HAKONIWA_BENCH=1

need_gib=2
[ "${HAKONIWA_LONG:-}" = 1 ] && need_gib=11
tmp=${TMPDIR:-/tmp}
free_gib=$(df -Pk "$tmp" | awk 'NR == 2 { print int($4 / 1048576) }')
if [ "$free_gib" -lt "$need_gib" ]; then
  echo "need $need_gib GiB free in $tmp, have $free_gib GiB" >&2
  exit 1
fi

go test -count=1 -timeout 60m -v -run '^(TestFigures|TestListFigures|TestRSSDuringMultipartShort|TestRSSDuringMultipart)$' ./bench/s3 |
  grep -E '_test\.go:[0-9]+:|^(--- FAIL|FAIL|ok)' | sed -E 's/^ +[a-z0-9_]+_test\.go:[0-9]+: //'
