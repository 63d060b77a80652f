-- wrk script: every request is one device's status report, with a report
-- id (the idempotency key) never sent before, from one of the enrolled
-- devices (BSI_TOKENS: a file of "device_id token" lines).
local devices = {}
for line in io.lines(os.getenv("BSI_TOKENS")) do
  local id, token = line:match("^(%S+) (%S+)$")
  devices[#devices + 1] = { id = id, auth = "Bearer " .. token }
end

local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end

local template = '{"format":1,"report_id":"%s","time":"2026-11-22T%02d:%02d:%02dZ",' ..
  '"product":"acme-os","base_version":"26.3.1","running":"acme-os 26.3.1 (a)",' ..
  '"components":[{"name":"webkit","version":"2.44.1"}],"cves_fixed":["CVE-2026-20643"],' ..
  '"auto_install":true,"install_state":"installed","install_reason":"automatic",' ..
  '"failure":"","improvements":[{"id":"acme-os 26.3.1 (a)","letter":"a",' ..
  '"state":"installed","reason":"none","not_before":null,"detail":"",' ..
  '"cves":["CVE-2026-20643"]}],"agent_version":"0.1.0"}'

local counter = 0
local non_2xx = 0
math.randomseed(os.time())

function request()
  counter = counter + 1
  local device = devices[math.random(#devices)]
  local id = string.format("r%02d%09d%08d", tid or 0, counter, math.random(0, 99999999))
  local s = counter % 86400
  local body = string.format(template, id, math.floor(s / 3600), math.floor(s / 60) % 60, s % 60)
  return wrk.format("POST", "/api/v1/device/reports", {
    ["Authorization"] = device.auth,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = id,
  }, body)
end

function response(status, headers, body)
  if status ~= 202 then
    non_2xx = non_2xx + 1
    if non_2xx <= 3 then io.stderr:write("status " .. status .. ": " .. body .. "\n") end
  end
end
