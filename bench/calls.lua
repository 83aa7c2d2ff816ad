-- wrk script for bench/compare.py: sends the requests listed in the file WRK_CALLS names (one a
-- line: method, tab, target, tab, body), in turn; with WRK_ONCE=1 each is sent once and the run
-- stops when all have answered (ship calls: a package ships once). Counts answers whose body is
-- the platform's success envelope, and prints a JSON summary for the script to read.

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clock, timespec *t);
]]
local now_buffer = ffi.new("timespec")

local function now()
  ffi.C.clock_gettime(1, now_buffer) -- CLOCK_MONOTONIC
  return tonumber(now_buffer.tv_sec) + tonumber(now_buffer.tv_nsec) / 1e9
end

local calls = {}
local index = 0
answered = 0
succeeded = 0  -- globals: done() reads them from each thread
first_sent = 0
last_answered = 0
local once = os.getenv("WRK_ONCE") == "1"
local headers = {
  ["x-tts-access-token"] = os.getenv("WRK_TOKEN") or "",
  ["content-type"] = "application/json",
}

-- Formatted in init, once wrk has set its Host header (at the script's load it has not yet, and
-- a request without one is refused by a strict HTTP/1.1 server, as WireMock's Jetty does).
function init(args)
  for line in io.lines(os.getenv("WRK_CALLS")) do
    local method, target, body = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
    if body == "" then body = nil end
    local sent = {}
    for name, value in pairs(headers) do sent[name] = value end
    calls[#calls + 1] = wrk.format(method, target, sent, body)
  end
end

function request()
  if first_sent == 0 then first_sent = now() end
  index = index + 1
  if index > #calls then
    index = 1  -- with WRK_ONCE, at most one call per connection goes round again
  end
  return calls[index]
end

function response(status, headers, body)
  answered = answered + 1
  last_answered = now()
  if status == 200 and body:sub(1, 9) == '{"code":0' then
    succeeded = succeeded + 1
  end
  if once and answered >= #calls then
    wrk.thread:stop()
  end
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local ok, count, took = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("succeeded")
    count = count + thread:get("answered")
    took = math.max(took, thread:get("last_answered") - thread:get("first_sent"))
  end
  -- From the first call sent to the last answer: with WRK_ONCE the run stops before wrk's
  -- duration, which is what wrk's own summary would count.
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"socket_errors": %d, "non_2xx": %d, "succeeded": %d}\n',
    count, took, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, ok))
end
