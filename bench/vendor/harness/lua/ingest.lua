-- Copied unchanged from ../shared/baseline/bench/lua/ingest.lua (the baseline load harness).
-- Send each precomputed raw HTTP request exactly once, then stop.
-- Usage: wrk -t T -c C -d MAX --timeout 30s -s ingest.lua URL -- <requests-file> <T>
-- File format: repeated "<byte-length>\n<raw request bytes>".
-- Thread k of T sends requests k, k+T, k+2T, ... (1-based k).
-- delay() reserves a request slot before wrk calls request(); once all of this
-- thread's requests are reserved, it parks the connection (1 h timer) so no
-- filler request is ever sent. wrk calls request() once after init() without a
-- delay() (pipeline probe); that call returns reqs[1] and consumes nothing.
-- Prints FIRST at the first delay() and DONE when all of a thread's responses
-- are in (then stops that thread). wrk's main thread sleeps for -d regardless,
-- so the caller times FIRST..last DONE and then sends SIGINT to end wrk early.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local function read_requests(path, k, T)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  local out, pos, i = {}, 1, 0
  while pos <= #data do
    local nl = string.find(data, "\n", pos, true)
    if not nl then break end
    local len = tonumber(string.sub(data, pos, nl - 1))
    local req = string.sub(data, nl + 1, nl + len)
    pos = nl + 1 + len
    i = i + 1
    if (i - 1) % T == (k - 1) then out[#out + 1] = req end
  end
  return out
end

function init(args)
  local T = tonumber(args[2]) or 1
  reqs = read_requests(args[1], tid, T)
  count = #reqs
  reserved = 0
  sent = 0
  done_n = 0
  ok = 0
  s3xx = 0
  s4xx = 0
  s5xx = 0
  other = 0
end

function delay()
  if not started then
    started = true
    io.write("FIRST\n"); io.flush()
  end
  if reserved < count then
    reserved = reserved + 1
    return 0
  end
  return 3600000
end

function request()
  -- wrk calls request() once right after init() (pipeline check) without delay();
  -- only calls backed by a reservation consume a request.
  if sent >= reserved then return reqs[1] end
  sent = sent + 1
  return reqs[sent]
end

function response(status, headers, body)
  done_n = done_n + 1
  if status >= 200 and status < 300 then ok = ok + 1
  elseif status >= 300 and status < 400 then s3xx = s3xx + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  elseif status >= 500 and status < 600 then s5xx = s5xx + 1
  else other = other + 1 end
  if done_n % 100 == 0 then io.write("P ", done_n, "\n"); io.flush() end
  if done_n == count then
    -- wrk's main thread sleeps for -d regardless; the caller sends SIGINT on DONE
    io.write("DONE\n"); io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local t = {sent = 0, done = 0, ok = 0, s3xx = 0, s4xx = 0, s5xx = 0, other = 0, assigned = 0}
  for _, th in ipairs(threads) do
    t.assigned = t.assigned + (th:get("count") or 0)
    t.sent = t.sent + (th:get("sent") or 0)
    t.done = t.done + (th:get("done_n") or 0)
    t.ok = t.ok + (th:get("ok") or 0)
    t.s3xx = t.s3xx + (th:get("s3xx") or 0)
    t.s4xx = t.s4xx + (th:get("s4xx") or 0)
    t.s5xx = t.s5xx + (th:get("s5xx") or 0)
    t.other = t.other + (th:get("other") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us":%d,"requests":%d,"bytes":%d,"assigned":%d,"sent":%d,"responses":%d,"ok":%d,"s3xx":%d,"s4xx":%d,"s5xx":%d,"other":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d,' ..
    '"lat_mean_us":%.1f,"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_max_us":%d}\n',
    summary.duration, summary.requests, summary.bytes, t.assigned, t.sent, t.done, t.ok, t.s3xx, t.s4xx, t.s5xx, t.other,
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
