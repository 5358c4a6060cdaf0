-- The request of one scenario, from the environment, and the results as one
-- JSON line. No response() hook: defining one makes wrk parse every response
-- in Lua, and the load generator would become the bottleneck.

local method = os.getenv("BENCH_METHOD")
if method ~= nil and method ~= "" then
  wrk.method = method
end

local bodyFile = os.getenv("BENCH_BODY_FILE")
if bodyFile ~= nil and bodyFile ~= "" then
  local file = assert(io.open(bodyFile, "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"durationUs":%.0f,"requests":%.0f,"bytes":%.0f,' ..
    '"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f,' ..
    '"p50Us":%.0f,"p90Us":%.0f,"p99Us":%.0f,"meanUs":%.1f,"maxUs":%.0f}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
