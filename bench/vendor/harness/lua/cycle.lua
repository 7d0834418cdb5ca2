-- Copied unchanged from ../shared/baseline/bench/lua/cycle.lua (the baseline load harness).
-- Cycle through precomputed raw HTTP requests for a fixed duration.
-- Usage: wrk -t T -c C -d D --timeout 30s -s cycle.lua URL -- <requests-file>
-- File format: repeated "<byte-length>\n<raw request bytes>".

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local data = f:read("*a")
  f:close()
  reqs = {}
  local pos = 1
  while pos <= #data do
    local nl = string.find(data, "\n", pos, true)
    if not nl then break end
    local len = tonumber(string.sub(data, pos, nl - 1))
    reqs[#reqs + 1] = string.sub(data, nl + 1, nl + len)
    pos = nl + 1 + len
  end
  n = #reqs
  -- threads start at different offsets so they do not walk in lock-step
  idx = ((tid - 1) * 7919) % n
  done_n = 0
  ok = 0
  s3xx = 0
  s4xx = 0
  s5xx = 0
  other = 0
end

function request()
  idx = idx % n + 1
  return reqs[idx]
end

function response(status, headers, body)
  done_n = done_n + 1
  if status >= 200 and status < 300 then ok = ok + 1
  elseif status >= 300 and status < 400 then s3xx = s3xx + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  elseif status >= 500 and status < 600 then s5xx = s5xx + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t = {done = 0, ok = 0, s3xx = 0, s4xx = 0, s5xx = 0, other = 0}
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do
      local key = k
      if k == "done" then key = "done_n" end
      t[k] = t[k] + (th:get(key) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us":%d,"requests":%d,"bytes":%d,"responses":%d,"ok":%d,"s3xx":%d,"s4xx":%d,"s5xx":%d,"other":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d,' ..
    '"lat_mean_us":%.1f,"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_max_us":%d}\n',
    summary.duration, summary.requests, summary.bytes, t.done, t.ok, t.s3xx, t.s4xx, t.s5xx, t.other,
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
