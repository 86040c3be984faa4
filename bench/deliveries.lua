-- wrk script: unique, HMAC-signed Zoho student deliveries (see bench/README.md).
--
-- wrk's LuaJIT has no HMAC, so bench/run.ts precomputes the signatures: line i of SIGS_FILE is the hex
-- HMAC-SHA256 of the body whose id is PREFIX followed by i zero-padded to 9 digits. The body is the
-- template (TEMPLATE_FILE) with every "{N}" replaced by that id, byte for byte what run.ts signed.
-- Thread t of T sends lines t, t+T, t+2T, ... so no two requests of one run share a body; if a thread
-- runs out it starts again and counts the wrap (run.ts reports reused bodies).
--
-- usage: wrk -t T -c C -d D -s bench/deliveries.lua URL -- TEMPLATE_FILE SIGS_FILE PREFIX T

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local parts = {}
local ids = {}
local sigs = {}
local pos = 1
local prefix = ""
sent = 0
wrapped = 0
-- This thread's share of the bodies (bench/burst.lua sends each once).
bodies = 0

local function read_all(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

function init(args)
  local template = read_all(args[1])
  local start = 1
  while true do
    local i, j = string.find(template, "{N}", start, true)
    if not i then break end
    table.insert(parts, string.sub(template, start, i - 1))
    start = j + 1
  end
  table.insert(parts, string.sub(template, start))
  prefix = args[3]
  local nthreads = tonumber(args[4])
  local line = 0
  for sig in io.lines(args[2]) do
    if line % nthreads == tid then
      table.insert(ids, line)
      table.insert(sigs, sig)
    end
    line = line + 1
  end
  assert(#sigs > 0, "no signatures for thread " .. tid)
  bodies = #sigs
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local k = pos
  pos = pos + 1
  if pos > #sigs then
    pos = 1
    wrapped = wrapped + 1
  end
  sent = sent + 1
  local id = prefix .. string.format("%09d", ids[k])
  local body = table.concat(parts, id)
  wrk.headers["X-Zoho-Signature"] = "sha256=" .. sigs[k]
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + thread:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"wraps":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean, wraps))
end
