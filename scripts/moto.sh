#!/usr/bin/env bash
# Starts moto on 127.0.0.1 on a free port and polls until it answers.
# Usage: source scripts/moto.sh; moto_start; ... ; moto_stop
# Exports AWS_ENDPOINT_URL and dummy credentials for rdsplan and the AWS SDKs.
moto_start() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  MOTO_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  MOTO_LOG="$(mktemp)"
  # moto loads AWS managed IAM policies only when asked (real AWS always has them).
  MOTO_IAM_LOAD_MANAGED_POLICIES=true "$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
  MOTO_PID=$!
  local deadline=$((SECONDS + 30))
  until curl -fsS -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$MOTO_PID" 2>/dev/null; then
      echo "moto did not start; its log:" >&2; cat "$MOTO_LOG" >&2; return 1
    fi
    sleep 0.1
  done
  export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
  export AWS_EC2_METADATA_DISABLED=true
  echo "moto listening on $AWS_ENDPOINT_URL (pid $MOTO_PID)"
}
moto_stop() {
  [ -n "${MOTO_PID:-}" ] && kill "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null
  return 0
}
