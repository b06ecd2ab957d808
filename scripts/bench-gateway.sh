#!/usr/bin/env bash
# Load benchmark of the gateway behind nginx (issue 8, item 6), all on this machine:
#
#   static   wrk → nginx → app                          (a server block without auth_request)
#   cached   wrk → nginx ─auth_request→ gateway → app   (one Bearer ID token: cache hits)
#   nocache  the same with distinct tokens, rotated, each wrk thread cycling through
#            more than the verified-token cache holds (10,000, first in first out):
#            every request checks a signature.
#
# nginx runs the committed crates/stepup-gateway/examples/nginx/nginx.conf (copied byte
# for byte, with this script's listen.conf, server_name.conf and upstreams.conf beside
# it, as the tests do); the baseline is a second server block in the same nginx (same
# worker, same upstream, same proxy headers, no auth_request). The app is a second nginx answering
# 200 with the X-Stepup-Sub it received, so that every response says who was let in:
# the wrk script checks each one (valid token: 200 "alice"; no token or a forged one,
# sent by a second wrk alongside: the gateway's 401). ID tokens are real: logged in at
# the development provider (password, TOTP), then minted by single sign-on.
#
# Each scenario runs REPS times (interleaved) for DURATION seconds with the same wrk
# threads and connections; the table gives the best and the median requests/s, the
# gateway's decision latency p99 (from /metrics: stepup_decision_latency_seconds, the
# difference across each run), its token cache hits/misses, the wrong decisions, and
# the gateway's RSS after the runs.
#
# Needs nginx, wrk (Debian: apt-get install -y nginx-light wrk), python3, curl.
# Settings by environment: BENCH_DURATION (10), BENCH_REPS (3), BENCH_THREADS (2),
# BENCH_CONNECTIONS (32), BENCH_TOKENS (10,500 per wrk thread: each thread's share
# must outnumber the cache's 10,000 entries for every request to miss), BENCH_PORT
# (19100: uses it and the next four). Files (configs, logs, tokens, raw results) stay
# in ./.stepup-bench, replaced on each run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
examples=$repo/crates/stepup-gateway/examples

duration=${BENCH_DURATION:-10}
reps=${BENCH_REPS:-3}
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-32}
ntokens=${BENCH_TOKENS:-$((threads * 10500))}
port=${BENCH_PORT:-19100}
issuer_port=$port gateway_port=$((port + 1)) front_port=$((port + 2))
static_port=$((port + 3)) app_port=$((port + 4))
origin=http://127.0.0.1:$front_port

for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install -y $tool)" >&2; exit 1; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx is needed: apt-get install -y nginx-light" >&2; exit 1; }
for p in $issuer_port $gateway_port $front_port $static_port $app_port; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port $p is in use; set BENCH_PORT to another base" >&2; exit 1
  fi
done

# shellcheck source=scripts/lib/build.sh
. scripts/lib/build.sh
echo "==> cargo build --release --locked -p stepup-cli"
stepup=$(build_executable bin stepup --release --locked -p stepup-cli --bin stepup)

work=$repo/.stepup-bench
rm -rf "$work"
mkdir -p "$work/nginx/logs" "$work/nginx/tmp" "$work/app/logs" "$work/app/tmp" \
  "$work/gateway" "$work/runs"
chmod 755 "$work" "$work/nginx" "$work/app"
echo "==> files in $work"

pids=()
stop() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- configuration

secret=bench-gateway-client-secret-0123456789abcdef
password=bench-alice-password
totp_secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

cat > "$work/issuer.toml" <<EOF
issuer = "http://127.0.0.1:$issuer_port"
try_client = false

[[users]]
username = "alice"
password = "$password"
totp_secret = "$totp_secret"
email = "alice@example.com"

[[clients]]
client_id = "gateway"
client_secret = "$secret"
redirect_uris = ["$origin/stepup/callback"]
post_logout_redirect_uris = ["$origin/"]
EOF

head -c 32 /dev/urandom | base64 > "$work/gateway/session-key"
cat > "$work/gateway/stepup.toml" <<EOF
listen = "127.0.0.1:$gateway_port"
public_url = "$origin"

[provider]
issuer = "http://127.0.0.1:$issuer_port"
client_id = "gateway"
profile = "auth0"

[session]
key_files = ["session-key"]
lifetime = 3600

[[rule]]
path = "/"
require = "public"

[[rule]]
path = "/admin/**"
require = "mfa"
max_age = 300

# What the benchmark asks for: GET /api/orders with a Bearer ID token.
[[rule]]
path = "/api/**"
require = "mfa"

[[rule]]
path = "/**"
require = "login"
EOF

# nginx as committed (nginx.conf byte for byte, and the small files it includes), with
# this script's addresses in listen.conf, server_name.conf (when the config has one) and
# upstreams.conf. upstreams.conf is included inside `http`: it also holds the baseline
# server, shaped like the committed `location /` minus auth_request (the same proxy
# headers, the identity headers empty: not sent).
cp "$examples/nginx/"*.conf "$work/nginx/"
echo "listen 127.0.0.1:$front_port;" > "$work/nginx/listen.conf"
[ ! -f "$work/nginx/server_name.conf" ] || echo "server_name 127.0.0.1;" > "$work/nginx/server_name.conf"
cat > "$work/nginx/upstreams.conf" <<EOF
upstream stepup_gateway {
    server 127.0.0.1:$gateway_port;
    keepalive 32;
}
upstream app {
    server 127.0.0.1:$app_port;
}

# The benchmark's baseline: the same nginx worker, the same app, no auth_request.
server {
    listen 127.0.0.1:$static_port;
    server_name _;
    location / {
        proxy_set_header X-Stepup-Sub "";
        proxy_set_header X-Stepup-Email "";
        proxy_set_header X-Stepup-Amr "";
        proxy_set_header X-Stepup-Acr "";
        proxy_set_header X-Stepup-Auth-Time "";
        proxy_set_header Host \$host;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_pass http://app;
    }
}
EOF

# The app: answers 200 with the identity nginx passed on (empty when none).
cat > "$work/app/nginx.conf" <<EOF
worker_processes 1;
events {
    worker_connections 1024;
}
http {
    access_log off;
    client_body_temp_path tmp/client_body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    server {
        listen 127.0.0.1:$app_port;
        default_type text/plain;
        location / {
            return 200 "\$http_x_stepup_sub";
        }
    }
}
EOF

cat > "$work/bench.py" <<'PY'
"""Helpers of scripts/bench-gateway.sh: ID tokens from the development provider,
/metrics snapshots and their differences, and the Markdown table."""
import base64, hashlib, hmac, http.client, json, re, statistics, struct, sys, time
import urllib.parse
from multiprocessing import Pool

PAPE_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"


# ------------------------------------------------------------------ the provider

class Browser:
    """http.client on one keep-alive connection, with a cookie jar and redirects by hand."""

    def __init__(self, host, port, cookies=None):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.cookies = dict(cookies or {})

    def send(self, method, target, body=None, headers=None):
        headers = dict(headers or {})
        headers.setdefault("Accept", "text/html")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        self.conn.request(method, target, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if val:
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        return response.status, response.getheader("Location"), data.decode("utf-8", "replace")

    def follow(self, status, location, body, callback):
        """Follows redirects at the provider; returns ("left", url) or ("page", html)."""
        while status in (301, 302, 303, 307, 308):
            if location.startswith(callback):
                return "left", location
            target = urllib.parse.urlsplit(location)
            path = target.path + ("?" + target.query if target.query else "")
            status, location, body = self.send("GET", path)
        if status != 200:
            raise SystemExit(f"provider answered {status}: {body[:300]}")
        return "page", body


def hidden(body, name):
    found = re.search(rf'name="{name}" value="([^"]*)"', body)
    return found.group(1).replace("&amp;", "&") if found else ""


def totp(secret_b32, at):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    word = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{word % 1_000_000:06d}"


def authorize_target(client_id, callback, nonce):
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": callback,
        "scope": "openid email", "state": "bench", "nonce": nonce, "acr_values": PAPE_MFA,
    })
    return "/authorize?" + query


def exchange(browser, cfg, left):
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(left).query)["code"][0]
    basic = base64.b64encode(f"{cfg['client_id']}:{cfg['secret']}".encode()).decode()
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": cfg["callback"]})
    status, _, text = browser.send("POST", "/token", body,
                                   {"Authorization": f"Basic {basic}", "Accept": "application/json"})
    if status != 200:
        raise SystemExit(f"/token answered {status}: {text[:300]}")
    return json.loads(text)["id_token"]


def login(cfg):
    """Password, then TOTP: the provider session (cookies) and the first ID token."""
    browser = Browser(cfg["host"], cfg["port"])
    where, page = browser.follow(*browser.send(
        "GET", authorize_target(cfg["client_id"], cfg["callback"], "bench-login")), cfg["callback"])
    for _ in range(4):
        if where == "left":
            return browser.cookies, exchange(browser, cfg, page)
        fields = {"tx": hidden(page, "tx"), "csrf": hidden(page, "csrf")}
        if 'name="password"' in page:
            action = "/login"
            fields.update(username=cfg["user"], password=cfg["password"], action="login")
        elif 'name="code"' in page:
            action = "/login/totp"
            fields.update(code=totp(cfg["totp"], time.time()), action="verify")
        else:
            raise SystemExit(f"unexpected provider page: {page[:300]}")
        where, page = browser.follow(*browser.send("POST", action, urllib.parse.urlencode(fields)),
                                     cfg["callback"])
    raise SystemExit("the login did not finish")


def mint_some(job):
    """`count` more ID tokens on the provider session (single sign-on: no form)."""
    cfg, cookies, start, count = job
    browser = Browser(cfg["host"], cfg["port"], cookies)
    tokens = []
    for i in range(start, start + count):
        where, left = browser.follow(*browser.send(
            "GET", authorize_target(cfg["client_id"], cfg["callback"], f"bench-{i}")), cfg["callback"])
        if where != "left":
            raise SystemExit("the provider asked for a form again")
        tokens.append(exchange(browser, cfg, left))
    return tokens


def mint(argv):
    """mint ISSUER_URL CLIENT_ID SECRET CALLBACK USER PASSWORD TOTP COUNT OUT_ONE OUT_MANY OUT_BAD"""
    issuer, client_id, secret, callback, user, password, totp_secret, count, one, many, bad = argv
    url = urllib.parse.urlsplit(issuer)
    cfg = dict(host=url.hostname, port=url.port, client_id=client_id, secret=secret,
               callback=callback, user=user, password=password, totp=totp_secret)
    started = time.time()
    cookies, first = login(cfg)
    count = int(count)
    workers = 4
    jobs = [(cfg, cookies, w * (count // workers + 1), count // workers + 1) for w in range(workers)]
    with Pool(workers) as pool:
        tokens = [t for part in pool.map(mint_some, jobs) for t in part][:count]
    if len(set(tokens)) != len(tokens) or first in tokens:
        raise SystemExit("the provider gave the same token twice")
    with open(one, "w") as f:
        f.write(first + "\n")
    with open(many, "w") as f:
        f.write("\n".join(tokens) + "\n")
    # Well-formed, signed by nobody: the first token's header and claims with another
    # token's signature.
    with open(bad, "w") as f:
        f.write(first.rsplit(".", 1)[0] + "." + tokens[0].rsplit(".", 1)[1] + "\n")
    print(f"{len(tokens) + 1} ID tokens (1 login with password and TOTP, then single sign-on) "
          f"in {time.time() - started:.1f} s")


# ------------------------------------------------------------------ /metrics

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_]+)="([^"]*)"')


def parse_metrics(path):
    samples = []
    for line in open(path):
        m = LINE.match(line)
        if m:
            samples.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return samples


def quantile(q, buckets):
    """histogram_quantile over [(upper bound, cumulative count)]: linear within a bucket."""
    buckets = sorted(buckets)
    total = buckets[-1][1]
    if total <= 0:
        return None, None, None
    rank = q * total
    lower, below = 0.0, 0.0
    for upper, count in buckets:
        if count >= rank:
            if upper == float("inf"):
                return lower, lower, upper
            inside = count - below
            value = lower + (upper - lower) * ((rank - below) / inside if inside else 1.0)
            return value, lower, upper
        lower, below = upper, count
    return None, None, None


def diff(argv):
    """diff BEFORE AFTER: the decisions between two snapshots, as JSON."""
    before, after = (parse_metrics(p) for p in argv)

    def value(samples, name, want=None):
        return sum(v for n, labels, v in samples if n == name
                   and all(labels.get(k) == w for k, w in (want or {}).items()))

    bounds = sorted({labels["le"] for n, labels, _ in after
                     if n == "stepup_decision_latency_seconds_bucket"}, key=float)
    buckets = []
    for le in bounds:
        want = {"le": le, "dialect": "nginx"}
        buckets.append((float(le), value(after, "stepup_decision_latency_seconds_bucket", want)
                        - value(before, "stepup_decision_latency_seconds_bucket", want)))
    p50 = quantile(0.50, buckets)
    p99 = quantile(0.99, buckets)
    outcomes = {}
    for n, labels, v in after:
        if n == "stepup_decisions_total":
            outcomes[labels["outcome"]] = outcomes.get(labels["outcome"], 0) + v
    for n, labels, v in before:
        if n == "stepup_decisions_total":
            outcomes[labels["outcome"]] = outcomes.get(labels["outcome"], 0) - v
    count = value(after, "stepup_decision_latency_seconds_count") - value(
        before, "stepup_decision_latency_seconds_count")
    total = value(after, "stepup_decision_latency_seconds_sum") - value(
        before, "stepup_decision_latency_seconds_sum")
    print(json.dumps({
        "decisions": int(count),
        "outcomes": {k: int(v) for k, v in outcomes.items() if v},
        "mean_us": total / count * 1e6 if count else None,
        "p50_us": p50[0] * 1e6 if p50[0] is not None else None,
        "p99_us": p99[0] * 1e6 if p99[0] is not None else None,
        "p99_bucket_us": [p99[1] * 1e6, p99[2] * 1e6] if p99[0] is not None else None,
        # Bucket bounds are 10 µs × 2^k: 1 ms lies inside the 640 µs – 1.28 ms bucket.
        "over_640us": int(count - next((c for u, c in buckets if u >= 0.00064 * 0.999), count)),
        "over_1280us": int(count - next((c for u, c in buckets if u >= 0.00128 * 0.999), count)),
        "hits": int(value(after, "stepup_token_cache_hits") - value(before, "stepup_token_cache_hits")),
        "misses": int(value(after, "stepup_token_cache_misses")
                      - value(before, "stepup_token_cache_misses")),
    }))


# ------------------------------------------------------------------ one run

def cpu(argv):
    """cpu NAME=PID...: CPU seconds of each process and of the whole machine, as JSON
    (wrk=PID: the children that PID has waited for)."""
    tick = 100.0  # USER_HZ: 100 on Linux
    out = {}
    for item in argv:
        name, pid = item.split("=")
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        if name == "wrk":  # the script's shell: CPU of its children waited for (wrk)
            out[name] = (int(fields[13]) + int(fields[14])) / tick
        else:
            out[name] = (int(fields[11]) + int(fields[12])) / tick
    values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    out["machine_busy"] = (sum(values) - values[3] - values[4]) / tick
    out["machine_all"] = sum(values) / tick
    print(json.dumps(out))


def wrk_output(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1))
    check = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"CHECK .*", text).group(0)))
    return rps, check


def record(argv):
    """record SCENARIO REP OUT_PREFIX: one JSON line from the run's files."""
    scenario, rep, out = argv
    rps_good, good = wrk_output(out + ".good.txt")
    rps_bad, bad = wrk_output(out + ".bad.txt")
    before = json.load(open(out + ".cpu-before.json"))
    after = json.load(open(out + ".cpu-after.json"))
    requests = good["requests"] + bad["requests"]
    wall = after["machine_all"] - before["machine_all"]
    cpu_us = {k: (after[k] - before[k]) / requests * 1e6 for k in before
              if not k.startswith("machine")}
    import io, contextlib
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        diff([out + ".before.prom", out + ".after.prom"])
    print(json.dumps({
        "scenario": scenario, "rep": int(rep),
        "rps": rps_good + rps_bad, "rps_valid": rps_good, "rps_refused": rps_bad,
        "requests": requests, "checked": good["checked"] + bad["checked"],
        "wrong": good["wrong"] + bad["wrong"],
        "socket_errors": good["socket_errors"] + bad["socket_errors"],
        "wrk_p50_us": good["p50_us"], "wrk_p99_us": good["p99_us"],
        "cpu_us_per_request": cpu_us,
        "machine_busy": (after["machine_busy"] - before["machine_busy"]) / wall if wall else None,
        "gateway": json.loads(buffer.getvalue()),
    }))


# ------------------------------------------------------------------ the table

def table(argv):
    """table RESULTS.jsonl: the Markdown tables of scripts/bench-gateway.sh."""
    runs = [json.loads(line) for line in open(argv[0]) if line.strip()]
    order = ["static", "cached", "nocache"]
    title = {
        "static": "static 200: nginx → app, no auth_request",
        "cached": "auth_request → gateway, Bearer, cache hit (1 token)",
        "nocache": "auth_request → gateway, Bearer, no cache hit (distinct tokens)",
    }
    by = {s: [r for r in runs if r["scenario"] == s] for s in order}
    best_static = max(r["rps"] for r in by["static"])
    print("| scenario | req/s best | req/s median | runs | best vs static best | wrk p99 "
          "(median) | gateway decision p99 (worst run) | token cache hits / misses "
          "(forged) | wrong decisions |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in order:
        rs = by[s]
        if not rs:
            continue
        rps = [r["rps"] for r in rs]
        best = max(rps)
        wrong = sum(r["wrong"] for r in rs)
        checked = sum(r["checked"] for r in rs)
        errors = sum(r["socket_errors"] for r in rs)
        wrk_p99 = statistics.median(r["wrk_p99_us"] for r in rs)
        if s == "static":
            decision = cache = "–"
        else:
            worst = max(rs, key=lambda r: r["gateway"]["p99_us"])["gateway"]
            low, high = worst["p99_bucket_us"]
            decision = f"{worst['p99_us']:.0f} µs (bucket {low:.0f}–{high:.0f} µs)"
            hits = sum(r["gateway"]["hits"] for r in rs)
            misses = sum(r["gateway"]["misses"] for r in rs)
            forged = sum(r["gateway"]["outcomes"].get("invalid", 0) for r in rs)
            cache = f"{hits:,} / {misses:,} ({forged:,})"
        print(f"| {title[s]} | {best:,.0f} | {statistics.median(rps):,.0f} | "
              f"{', '.join(f'{x:,.0f}' for x in rps)} | {best / best_static:.0%} | "
              f"{wrk_p99 / 1000:.2f} ms | {decision} | {cache} | "
              f"{wrong} of {checked:,}{f' ({errors} socket errors)' if errors else ''} |")
    print()
    print("CPU per request (µs, medians of the runs; the machine has 2 cores):")
    print()
    print("| scenario | nginx (front) | gateway | app (nginx) | wrk | machine busy | "
          "gateway decision mean / p50 | decisions > 640 µs / > 1.28 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for s in order:
        rs = by[s]
        if not rs:
            continue
        med = lambda key: statistics.median(r["cpu_us_per_request"][key] for r in rs)
        busy = statistics.median(r["machine_busy"] for r in rs)
        if s == "static":
            dec = slow = "–"
        else:
            mean = statistics.median(r["gateway"]["mean_us"] for r in rs)
            p50 = statistics.median(r["gateway"]["p50_us"] for r in rs)
            dec = f"{mean:.1f} / {p50:.1f} µs"
            n = sum(r["gateway"]["decisions"] for r in rs)
            o1 = sum(r["gateway"]["over_640us"] for r in rs)
            o2 = sum(r["gateway"]["over_1280us"] for r in rs)
            slow = f"{o1 / n:.3%} / {o2 / n:.3%} of {n:,}"
        print(f"| {s} | {med('nginx'):.0f} | {med('gateway'):.0f} | {med('app'):.0f} | "
              f"{med('wrk'):.0f} | {busy:.0%} | {dec} | {slow} |")


if __name__ == "__main__":
    commands = {"mint": mint, "diff": diff, "cpu": cpu, "record": record, "table": table}
    commands[sys.argv[1]](sys.argv[2:])
PY
cat > "$work/bench.lua" <<'LUA'
-- wrk script of scripts/bench-gateway.sh: every response is checked against what the
-- request should have got. Arguments (after --):
--   good EXPECT TOKENS THREADS [CURSORS]
--                               valid ID tokens from TOKENS, rotated (thread i of THREADS
--                               takes every THREADS-th one); expects the app's 200 "alice".
--                               CURSORS keeps where each thread stopped, for the next run
--                               to go on from there (the tokens least recently sent).
--   bad EXPECT BADTOKEN         thread 0 sends no token, thread 1 a forged one; expects
--                               the gateway's 401 (no error / error="invalid_token")
-- EXPECT is "gateway" (nginx with auth_request) or "static" (no auth: the app's 200, "").
-- The app answers with the X-Stepup-Sub it received, so the body says who was let in.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local kind, expect

function init(args)
  local mode = args[1]
  expect = args[2]
  requests = {}
  cursor = 1
  local function get(token)
    local headers = { Accept = "application/json" }
    if token then headers["Authorization"] = "Bearer " .. token end
    return wrk.format("GET", "/api/orders", headers)
  end
  if mode == "good" then
    kind = "good"
    local n, i = tonumber(args[4]), 0
    for line in io.lines(args[3]) do
      if line ~= "" then
        if i % n == id then table.insert(requests, get(line)) end
        i = i + 1
      end
    end
    cursors_path = args[5]
    local saved = cursors_path and io.open(cursors_path)
    if saved then
      local line = 0
      for text in saved:lines() do
        if line == id then cursor = math.min(tonumber(text), #requests) end
        line = line + 1
      end
      saved:close()
    end
  elseif id == 0 then
    kind = "absent"
    table.insert(requests, get(nil))
  else
    kind = "forged"
    local bad = io.open(args[3]):read("*l")
    table.insert(requests, get(bad))
  end
  good, wrong = 0, 0
end

function request()
  local r = requests[cursor]
  cursor = cursor + 1
  if cursor > #requests then cursor = 1 end
  return r
end

local function header(headers, name)
  for k, v in pairs(headers) do
    if k:lower() == name then return v end
  end
  return nil
end

function response(status, headers, body)
  local ok
  if expect == "static" then
    ok = status == 200 and body == ""
  elseif kind == "good" then
    ok = status == 200 and body == "alice"
  else
    local challenge = header(headers, "www-authenticate") or ""
    if kind == "absent" then
      ok = status == 401 and challenge:find("^Bearer ") ~= nil and challenge:find("error=") == nil
    else
      ok = status == 401 and challenge:find('error="invalid_token"', 1, true) ~= nil
    end
  end
  if ok then
    good = good + 1
  else
    wrong = wrong + 1
    if wrong <= 3 then
      io.stderr:write(string.format("WRONG %s/%s: %d %q\n", kind, expect, status, body:sub(1, 80)))
    end
  end
end

function done(summary, latency, reqs)
  -- done() runs in wrk's main Lua state: the threads' globals are read with t:get().
  local cursors_file = threads[1] and threads[1]:get("cursors_path")
  if cursors_file then
    local f = io.open(cursors_file, "w")
    for _, t in ipairs(threads) do f:write(tostring(t:get("cursor")), "\n") end
    f:close()
  end
  local g, w = 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("good")
    w = w + t:get("wrong")
  end
  local e = summary.errors
  io.write(string.format("CHECK checked=%d wrong=%d requests=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    g + w, w, summary.requests, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
LUA

# ---------------------------------------------------------------- start everything

wait_for() { # URL WHAT LOG
  for _ in $(seq 200); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "$2 did not come up; its log:" >&2
  cat "$3" >&2
  exit 1
}

"$stepup" issuer --config "$work/issuer.toml" --listen "127.0.0.1:$issuer_port" \
  --state-dir "$work/issuer-state" > "$work/issuer.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$issuer_port/.well-known/openid-configuration" "the provider" \
  "$work/issuer.log"

STEPUP_CLIENT_SECRET=$secret "$stepup" serve --config "$work/gateway/stepup.toml" \
  > "$work/gateway.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
wait_for "http://127.0.0.1:$gateway_port/readyz" "the gateway" "$work/gateway.log"

start_nginx() { # DIR
  "$nginx" -c "$1/nginx.conf" -p "$1" -e "$1/logs/error.log" \
    -g "daemon off; pid $1/nginx.pid;" 2> "$1/logs/stderr.log" &
  pids+=($!)
}
start_nginx "$work/app"
app_master=${pids[-1]}
start_nginx "$work/nginx"
front_master=${pids[-1]}
wait_for "http://127.0.0.1:$app_port/" "the app (nginx)" "$work/app/logs/error.log"
wait_for "http://127.0.0.1:$static_port/" "nginx" "$work/nginx/logs/error.log"
worker_of() { # MASTER_PID -> its one worker
  local w
  for _ in $(seq 100); do
    w=$(pgrep -P "$1" | head -1) && [ -n "$w" ] && { echo "$w"; return; }
    sleep 0.05
  done
  echo "no nginx worker under $1" >&2; exit 1
}
front_worker=$(worker_of "$front_master")
app_worker=$(worker_of "$app_master")

# ---------------------------------------------------------------- tokens

echo "==> ID tokens from the development provider ($ntokens for the no-cache runs)"
python3 "$work/bench.py" mint "http://127.0.0.1:$issuer_port" gateway "$secret" \
  "$origin/stepup/callback" alice "$password" "$totp_secret" "$ntokens" \
  "$work/token-one.txt" "$work/tokens-many.txt" "$work/token-forged.txt"

# One request of each kind by hand before the load.
probe() { # URL TOKEN_FILE|"" -> "status body"
  local auth=()
  [ -n "$2" ] && auth=(-H "Authorization: Bearer $(head -1 "$2")")
  curl -s -o "$work/probe.body" -w '%{http_code}' -H 'Accept: application/json' "${auth[@]}" "$1"
  printf ' %s' "$(head -c 60 "$work/probe.body")"
}
check_probe() { # WHAT GOT WANT
  [ "$2" = "$3" ] || { echo "probe $1: got '$2', want '$3'" >&2; exit 1; }
}
check_probe "valid token" "$(probe "$origin/api/orders" "$work/token-one.txt")" "200 alice"
check_probe "valid token (other)" "$(probe "$origin/api/orders" "$work/tokens-many.txt")" "200 alice"
got=$(probe "$origin/api/orders" "$work/token-forged.txt")
check_probe "forged token" "${got%% *}" 401
got=$(probe "$origin/api/orders" "")
check_probe "no token" "${got%% *}" 401
check_probe "baseline" "$(probe "http://127.0.0.1:$static_port/api/orders" "$work/token-one.txt")" "200 "
rss_start=$(awk '/^VmRSS/ {print $2, $3}' "/proc/$gateway_pid/status")

# ---------------------------------------------------------------- the runs

snapshot_cpu() {
  python3 "$work/bench.py" cpu "gateway=$gateway_pid" "nginx=$front_worker" "app=$app_worker" \
    "wrk=$$"
}

run() { # SCENARIO REP
  local scenario=$1 rep=$2 url expect tokens out bad_pid
  case $scenario in
    static) url=http://127.0.0.1:$static_port expect=static tokens=$work/token-one.txt ;;
    cached) url=$origin expect=gateway tokens=$work/token-one.txt ;;
    nocache) url=$origin expect=gateway tokens=$work/tokens-many.txt ;;
  esac
  out=$work/runs/$scenario-$rep
  curl -fs "http://127.0.0.1:$gateway_port/metrics" > "$out.before.prom"
  snapshot_cpu > "$out.cpu-before.json"
  # Refused requests alongside (two connections: no token, a forged token).
  wrk -t2 -c2 -d"${duration}s" -s "$work/bench.lua" "$url/api/orders" \
    -- bad "$expect" "$work/token-forged.txt" > "$out.bad.txt" 2>&1 &
  bad_pid=$!
  pids+=("$bad_pid")
  wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s "$work/bench.lua" \
    "$url/api/orders" -- good "$expect" "$tokens" "$threads" "$work/runs/$scenario.cursors" \
    > "$out.good.txt" 2>&1
  wait "$bad_pid"
  snapshot_cpu > "$out.cpu-after.json"
  curl -fs "http://127.0.0.1:$gateway_port/metrics" > "$out.after.prom"
  python3 "$work/bench.py" record "$scenario" "$rep" "$out" >> "$work/results.jsonl"
  python3 - "$work/results.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
g = r["gateway"]
line = f"    {r['scenario']:8} run {r['rep']}: {r['rps']:9,.0f} req/s, wrong {r['wrong']}"
if r["scenario"] != "static":
    line += f", decision p99 {g['p99_us']:.0f} µs, cache hits/misses {g['hits']:,}/{g['misses']:,}"
print(line)
PY
}

echo "==> wrk -t$threads -c$connections -d${duration}s (valid tokens) alongside" \
  "wrk -t2 -c2 -d${duration}s (refused), $reps runs of each scenario, interleaved"
for rep in $(seq "$reps"); do
  for scenario in static cached nocache; do
    run "$scenario" "$rep"
  done
done

# ---------------------------------------------------------------- report

rss=$(awk '/^VmRSS/ {print $2, $3}' "/proc/$gateway_pid/status")
hwm=$(awk '/^VmHWM/ {print $2, $3}' "/proc/$gateway_pid/status")
{
  echo
  python3 "$work/bench.py" table "$work/results.jsonl"
  echo
  echo "Gateway RSS: $rss after the runs (peak $hwm; $rss_start before them)."
  echo "Machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1);" \
    "wrk, nginx, the app, the gateway and the provider all on it."
  echo "wrk -t$threads -c$connections -d${duration}s with the valid tokens, and wrk -t2 -c2" \
    "alongside with refused ones (no token, a forged one); $reps interleaved runs each."
} | tee "$work/report.md"
echo
echo "Raw results: $work/results.jsonl; logs and configs in $work."
