#!/usr/bin/env bash
# hakoniwa's figures, each a ratio against a baseline measured in this run:
#   1. throughput of signed calls through the whole pipeline vs a bare
#      net/http handler answering a fixed body (wrk, 32 connections), sent
#      both a bare GET and the same signed POST the pipeline gets;
#   2. exec-to-first-200 with 10,000 persisted resources vs a bare Go binary;
#   3. idle RSS;
#   4. durable writes/s with 32 concurrent writers, group commit vs one
#      fsync per write.
# Needs wrk (apt-get install wrk). DURATION=10s by default.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
go build -o "$T/hakoniwa" ./cmd/hakoniwa
go build -o "$T/tool" ./bench/tool

url_of() { # wait for "listening http://..." in a log file
  for _ in $(seq 1 200); do
    u=$(grep -om1 'http://[0-9.:]*' "$1" 2>/dev/null || true)
    [ -n "$u" ] && { echo "$u"; return; }
    sleep 0.05
  done
  echo "server did not start: $(cat "$1")" >&2; exit 1
}
rps() { awk '/Requests\/sec/ {print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "== 1. throughput (wrk -t2 -c32 -d$DURATION)"
"$T/tool" bare > "$T/bare.out" & BARE=$!
BURL=$(url_of "$T/bare.out")
bare_rps=$(wrk -t2 -c32 -d"$DURATION" "$BURL/" | rps)
# The same signed POST the pipeline gets, so the second baseline carries
# the same request parsing and body read; only the pipeline differs.
"$T/tool" wrkscript -endpoint "$BURL" -op GetCallerIdentity > "$T/bare.lua"
bare_post_rps=$(wrk -t2 -c32 -d"$DURATION" -s "$T/bare.lua" "$BURL/" | rps)
kill $BARE

"$T/hakoniwa" serve --listen 127.0.0.1:0 --data-dir "$T/data1" > "$T/h1.out" 2> "$T/h1.log" & H=$!
HURL=$(url_of "$T/h1.out")
declare -A got
for op in GetCallerIdentity GetAccessKeyInfo LookupEvents; do
  "$T/tool" wrkscript -endpoint "$HURL" -op $op > "$T/$op.lua"
  wrk -t2 -c32 -d"$DURATION" -s "$T/$op.lua" "$HURL/" > "$T/$op.wrk"
  grep -q '^non200 0$' "$T/$op.wrk" || { echo "$op: non-200 answers under load:"; cat "$T/$op.wrk"; tail -5 "$T/h1.log"; exit 1; }
  got[$op]=$(rps < "$T/$op.wrk")
done
printf "%-38s %10s req/s\n" "bare net/http fixed body, GET /" "$bare_rps"
printf "%-38s %10s req/s\n" "bare net/http fixed body, signed POST" "$bare_post_rps"
for op in GetCallerIdentity GetAccessKeyInfo LookupEvents; do
  printf "%-38s %10s req/s  = %s x bare GET, %s x bare POST\n" "signed $op (full pipeline)" "${got[$op]}" \
    "$(ratio "${got[$op]}" "$bare_rps")" "$(ratio "${got[$op]}" "$bare_post_rps")"
done
loaded_rss=$("$T/tool" rss $H)
kill -INT $H; wait $H || true

echo "== 1b. cost of IAM enforcement: an IAM user with 10 policies x 10 statements, signed GetAccessKeyInfo"
declare -A iam_rps
for mode in off enforce; do
  "$T/hakoniwa" serve --listen 127.0.0.1:0 --data-dir "$T/data-iam-$mode" --iam-enforcement $mode > "$T/hi.out" 2> "$T/hi.log" & H=$!
  HURL=$(url_of "$T/hi.out")
  read -r KEY SECRET < <("$T/tool" iamuser -endpoint "$HURL")
  "$T/tool" wrkscript -endpoint "$HURL" -op GetAccessKeyInfo -key "$KEY" -secret "$SECRET" > "$T/iam.lua"
  wrk -t2 -c32 -d"$DURATION" -s "$T/iam.lua" "$HURL/" > "$T/iam-$mode.wrk"
  grep -q '^non200 0$' "$T/iam-$mode.wrk" || { echo "enforcement $mode: non-200 answers:"; cat "$T/iam-$mode.wrk"; tail -5 "$T/hi.log"; exit 1; }
  iam_rps[$mode]=$(rps < "$T/iam-$mode.wrk")
  kill -INT $H; wait $H || true
done
printf "%-38s %10s req/s\n" "enforcement off" "${iam_rps[off]}"
printf "%-38s %10s req/s  = %s x off\n" "enforcement on" "${iam_rps[enforce]}" "$(ratio "${iam_rps[enforce]}" "${iam_rps[off]}")"

echo "== 2. start-up: exec to first 200, median of 10"
"$T/hakoniwa" serve --listen 127.0.0.1:0 --data-dir "$T/data2" > "$T/h2.out" 2>/dev/null & H=$!
HURL=$(url_of "$T/h2.out")
"$T/tool" populate -endpoint "$HURL" -n 10000
kill -INT $H; wait $H || true
bare_ms=$("$T/tool" startup -n 10 "$T/tool" bare -listen '127.0.0.1:{port}')
h_ms=$("$T/tool" startup -n 10 "$T/hakoniwa" serve --listen '127.0.0.1:{port}' --data-dir "$T/data2")
printf "%-38s %8s ms\n" "bare Go binary" "$bare_ms"
printf "%-38s %8s ms  = %s x bare\n" "hakoniwa, 10,000 resources on disk" "$h_ms" "$(ratio "$h_ms" "$bare_ms")"
printf "%-38s %8s bytes\n" "state.db size" "$(stat -c %s "$T/data2/state.db")"

echo "== 3. idle RSS"
"$T/hakoniwa" serve --listen 127.0.0.1:0 --data-dir "$T/data2" > "$T/h3.out" 2>/dev/null & H=$!
url_of "$T/h3.out" >/dev/null
sleep 2
printf "%-38s %8s MiB\n" "idle after start (10k resources)" "$("$T/tool" rss $H)"
printf "%-38s %8s MiB\n" "after the throughput runs" "$loaded_rss"
kill -INT $H; wait $H || true

echo "== 4. durable writes, 32 concurrent writers"
go test -run '^$' -bench 'BenchmarkUpdate(GroupCommit|PerWriteFsync)$' -benchtime 3s ./internal/store > "$T/store.bench"
nsop() { awk -v n="$1" '$1 ~ "^"n"(-[0-9]+)?$" { for (i = 2; i <= NF; i++) if ($(i+1) == "ns/op") print $i }' "$T/store.bench"; }
gc=$(nsop BenchmarkUpdateGroupCommit); pw=$(nsop BenchmarkUpdatePerWriteFsync)
[ -n "$gc" ] && [ -n "$pw" ] || { cat "$T/store.bench"; exit 1; }
printf "%-38s %10.0f writes/s\n" "one fsync per write" "$(awk -v x="$pw" 'BEGIN { print 1e9 / x }')"
printf "%-38s %10.0f writes/s  = %s x per-write\n" "group commit" "$(awk -v x="$gc" 'BEGIN { print 1e9 / x }')" "$(ratio "$pw" "$gc")"
