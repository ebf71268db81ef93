#!/usr/bin/env bash
# Time from `npm ci` on a fresh clone to the first authenticated request.
#   bash bench/first-request.sh [repository]   (default: this checkout's committed HEAD)
# Clones into a temporary directory, runs `npm ci`, starts `npm start` on spare ports, registers and
# logs in at the local Flowless stand-in, then calls GET /api/v1/me with the session. Prints the
# figures; the last line is one JSON object. Needs git, node, npm and curl; no compiler.
set -euo pipefail

src=${1:-$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)}
work=$(mktemp -d /tmp/flowfull-first-XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -- "-$server_pid" 2>/dev/null || kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
spare_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

git clone --quiet "$src" "$work/app"
cd "$work/app"
export PORT=$(spare_port) FLOWLESS_STANDIN_PORT=$(spare_port)
API=http://localhost:$PORT
FLOWLESS=http://localhost:$FLOWLESS_STANDIN_PORT

t0=$(now_ms)
npm ci --no-audit --no-fund --loglevel=error >"$work/npm-ci.log" 2>&1 || { cat "$work/npm-ci.log"; exit 1; }
t_ci=$(now_ms)
if grep -qiE 'node-gyp|gyp info|prebuild-install' "$work/npm-ci.log"; then echo "npm ci compiled native code" >&2; exit 1; fi

# Its own process group, so the cleanup stops npm, tsx and node together.
set -m
npm start >"$work/server.log" 2>&1 &
server_pid=$!
set +m
until curl -fs "$API/health" >/dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log"; exit 1; fi
  sleep 0.1
done
t_up=$(now_ms)

curl -fs -X POST "$FLOWLESS/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"first@example.com","password":"correct-horse-battery","name":"First"}' >/dev/null
SID=$(curl -fs -X POST "$FLOWLESS/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"first@example.com","password":"correct-horse-battery"}' |
  node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).session_id')
status=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/me" -H "X-Session-ID: $SID")
t_req=$(now_ms)
[ "$status" = 200 ] || { echo "GET /api/v1/me answered $status" >&2; cat "$work/server.log"; exit 1; }

ci_s=$(node -pe "(($t_ci - $t0) / 1000).toFixed(1)")
up_s=$(node -pe "(($t_up - $t0) / 1000).toFixed(1)")
req_s=$(node -pe "(($t_req - $t0) / 1000).toFixed(1)")
echo "npm ci: ${ci_s} s; server answering: ${up_s} s; first authenticated request: ${req_s} s (from the start of npm ci)"
echo "{\"npm_ci_s\":$ci_s,\"server_up_s\":$up_s,\"first_auth_request_s\":$req_s}"
