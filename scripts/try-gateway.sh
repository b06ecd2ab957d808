#!/usr/bin/env bash
# Put MFA in front of any app, on one machine: the development provider (127.0.0.1:9000),
# the stepup gateway (127.0.0.1:4180), nginx with the committed example config
# (127.0.0.1:8000) and a small app that shows the identity headers it gets (127.0.0.1:8080).
# Open http://127.0.0.1:8000/admin/ : it asks for a password and a TOTP code.
# Needs nginx (Debian: apt-get install nginx-light) and python3. Ctrl-C stops everything.
# Its files (provider state, session key, logs) stay in ./.stepup-try.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
examples=$repo/crates/stepup-gateway/examples

nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx is needed: apt-get install nginx-light" >&2; exit 1; }

# shellcheck source=scripts/lib/build.sh
. scripts/lib/build.sh
echo "==> cargo build --release -p stepup-cli (the first build takes a few minutes)"
stepup=$(build_executable bin stepup --release --locked -p stepup-cli --bin stepup)

work=$repo/.stepup-try
mkdir -p "$work/nginx/logs" "$work/nginx/tmp" "$work/gateway"
# The gateway's config, with its session key beside it (relative paths are relative to it).
cp "$examples/try/stepup.toml" "$work/gateway/stepup.toml"
[ -s "$work/gateway/session-key" ] ||
  head -c 32 /dev/urandom | base64 > "$work/gateway/session-key"

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

"$stepup" issuer --config "$examples/try/issuer.toml" --listen 127.0.0.1:9000 \
  --state-dir "$work/issuer-state" > "$work/issuer.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -fs http://127.0.0.1:9000/.well-known/openid-configuration >/dev/null && break
  sleep 0.1
done

STEPUP_CLIENT_SECRET=try-the-gateway-client-secret-0123456789 \
  "$stepup" serve --config "$work/gateway/stepup.toml" > "$work/gateway.log" 2>&1 &
pids+=($!)

# The app: any HTTP server; this one shows the X-Stepup-* headers the gateway added.
python3 - > "$work/app.log" 2>&1 <<'PY' &
import html, http.server
class App(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                       for k, v in self.headers.items() if k.lower().startswith("x-stepup-"))
        body = (f"<!doctype html><meta charset=utf-8><title>app</title><h1>The app: {html.escape(self.path)}</h1>"
                f"<p>Identity headers from the gateway:</p><table>{rows or '<tr><td>(none: a public page)</td></tr>'}</table>"
                "<p><a href=/>home</a> · <a href=/admin/>admin (MFA)</a> · <a href=/profile>profile (login)</a></p>"
                "<form method=post action=/stepup/logout><button>Log out</button></form>").encode()
        self.send_response(200); self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", 8080), App).serve_forever()
PY
pids+=($!)

"$nginx" -c "$examples/nginx/nginx.conf" -p "$work/nginx" -e "$work/nginx/logs/error.log" \
  -g "daemon off; pid $work/nginx/nginx.pid;" &
pids+=($!)

for _ in $(seq 100); do
  curl -fs http://127.0.0.1:4180/readyz >/dev/null && break
  sleep 0.1
done
cat "$work/issuer.log"
cat <<MSG

The gateway is ready. Open http://127.0.0.1:8000/admin/ in a browser: log in as alice with
the password above; the gateway asks the provider for a second factor, so the TOTP code from
your authenticator app (scan the QR code above) follows; then the app shows the identity
headers. http://127.0.0.1:8000/ is public; http://127.0.0.1:8000/profile needs a login.
Logs: $work/*.log. Press Ctrl-C to stop.
MSG
wait
