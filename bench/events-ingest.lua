-- wrk script of bench/events-ingest.sh: every request posts the same HEC body (BODY file, BATCH events) with the
-- ingest token; non-200 answers are counted and reported.
local body_file = os.getenv("BODY")
local f = assert(io.open(body_file, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Authorization"] = "Splunk " .. os.getenv("QUELL_HEC_TOKEN")
wrk.headers["Content-Type"] = "application/json"

local failed = 0
function response(status, headers, body)
  if status ~= 200 then failed = failed + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("non_2xx %d\n", summary.errors.status))
  io.write(string.format("latency_p50_ms %.1f\n", latency:percentile(50) / 1000))
  io.write(string.format("latency_p99_ms %.1f\n", latency:percentile(99) / 1000))
end
