-- wrk script for bench/intake.sh: POST /api/v1/alerts, each request a new alert (unique sourceRef) with 5 observables
-- in TheHive's shape. A few values repeat across alerts (domains, hosts), as they do in real feeds; the rest are random.
local key = os.getenv("QUELL_API_KEY") or error("QUELL_API_KEY is not set")
local threads = 0
local counter = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  run = string.format("%x%04x", os.time(), math.random(0, 0xffff))
end

local domains = { "login-secure.example.com", "update-portal.example.net", "files-share.example.org", "cdn-static.example.io" }
local titles = { "Suspicious login for user%d", "Malware detected on ws-%d", "Outbound connection to rare domain from ws-%d" }
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }

local function hex(n)
  local t = {}
  for i = 1, n / 8 do t[i] = string.format("%08x", math.random(0, 0x7fffffff)) end
  return table.concat(t)
end

request = function()
  counter = counter + 1
  local n = math.random(1, 99999)
  local body = string.format(
    '{"type":"siem","source":"wrk","sourceRef":"wrk-%s-%d-%d","title":"' .. titles[math.random(#titles)] .. '",' ..
    '"description":"Benchmark alert","severity":%d,"tlp":"AMBER","tags":["bench","vpn"],"observables":[' ..
    '{"dataType":"ip","data":"%d.%d.%d.%d"},{"dataType":"domain","data":"%s"},{"dataType":"hash","data":"%s"},' ..
    '{"dataType":"url","data":"https://%s/login?id=%d"},{"dataType":"hostname","data":"ws-%05d"}]}',
    run, tid or 0, counter, n, math.random(1, 4),
    math.random(1, 223), math.random(0, 255), math.random(0, 255), math.random(1, 254),
    domains[math.random(#domains)], hex(64), domains[math.random(#domains)], n, math.random(0, 2000))
  return wrk.format("POST", "/api/v1/alerts", headers, body)
end
