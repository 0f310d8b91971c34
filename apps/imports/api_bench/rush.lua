-- wrk script of `manage.py api_bench`: every request carries its own member's token (lines of the
-- targets file: "<token> <path>"), as nginx would forward it (X-Forwarded-Proto). In "punch" mode each
-- request is a clock-in or out of the next member with a unique Idempotency-Key.
-- Arguments: <mode: get|punch> <targets file> <key prefix> <wrk threads>; the summary goes to $WRK_OUT as JSON.
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

function init(args)
  mode, prefix, nthreads = args[1], args[3] or "bench", tonumber(args[4] or "1")
  targets = {}
  for line in io.lines(args[2]) do
    local token, path = line:match("^(%S+)%s+(%S+)$")
    table.insert(targets, {token, path})
  end
  sent, created, ok, client_errors, server_errors, counter = 0, 0, 0, 0, 0, 0
end

function request()
  counter = counter + 1
  sent = sent + 1
  -- Threads take interleaved members so that no two threads punch for the same member at once.
  local slot = (counter - 1) * nthreads + (tid - 1)
  local target = targets[(slot % #targets) + 1]
  local headers = {["Authorization"] = "Bearer " .. target[1], ["X-Forwarded-Proto"] = "https"}
  if mode == "punch" then
    local round = math.floor(slot / #targets)
    local kind = (round % 2 == 0) and "in" or "out"
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = prefix .. "-" .. tid .. "-" .. counter
    return wrk.format("POST", target[2], headers, '{"kind":"' .. kind .. '"}')
  end
  return wrk.format("GET", target[2], headers)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 end
  if status < 400 then ok = ok + 1
  elseif status < 500 then client_errors = client_errors + 1
  else server_errors = server_errors + 1 end
end

function done(summary, latency, requests)
  local totals = {sent = 0, created = 0, ok = 0, client = 0, server = 0}
  for _, thread in ipairs(threads) do
    totals.sent = totals.sent + thread:get("sent")
    totals.created = totals.created + thread:get("created")
    totals.ok = totals.ok + thread:get("ok")
    totals.client = totals.client + thread:get("client_errors")
    totals.server = totals.server + thread:get("server_errors")
  end
  local e = summary.errors
  local out = io.open(os.getenv("WRK_OUT"), "w")
  out:write(string.format(
    '{"durationUs":%d,"requests":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50Us":%d,"p95Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f,' ..
    '"sent":%d,"created":%d,"ok":%d,"clientErrors":%d,"serverErrors":%d}',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    totals.sent, totals.created, totals.ok, totals.client, totals.server))
  out:close()
end
