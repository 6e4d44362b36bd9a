-- wrk script: POST /queue/enqueue, every request with a product id no other request used.
-- The API key comes from the API_KEY environment variable (services that need none ignore the header).
--   API_KEY=... wrk -t2 -c64 -d30s --latency -s enqueue.lua http://127.0.0.1:5080
-- done() prints one JSON line with the figures the benchmark reads.
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  prefix = "wrk-" .. os.time() .. "-" .. thread_id .. "-"
  headers = { ["Content-Type"] = "application/json", ["X-Api-Key"] = os.getenv("API_KEY") or "" }
end

function request()
  counter = counter + 1
  local body = '{"image_path":"images/photo.jpg","product_id":"' .. prefix .. counter .. '","name":"benchmark product"}'
  return wrk.format("POST", "/queue/enqueue", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
