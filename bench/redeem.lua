-- wrk script for bench/redeem.py: each request a member's token (round robin) and a
-- fresh Idempotency-Key; one in INTENDED_409_EVERY asks for the sold-out reward.
-- Counts answers per status (and 409 error code) and prints one JSON line at the end.
local plan_file = os.getenv("REDEEM_PLAN")
local threads = {}

local function read_plan()
  local plan = {tokens = {}}
  for line in io.lines(plan_file) do
    local key, value = line:match("^([%w_]+)%s+(.+)$")
    if key == "token" then table.insert(plan.tokens, value) else plan[key] = value end
  end
  return plan
end

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  plan = read_plan()
  counter = 0
  statuses = {}
  every = tonumber(plan.every)
end

function request()
  counter = counter + 1
  if plan.kind == "healthz" then return wrk.format("GET", "/healthz") end
  local token = plan.tokens[(counter * 7 + id) % #plan.tokens + 1]
  local reward = (counter % every == 0) and plan.empty_reward or plan.reward
  return wrk.format("POST", "/api/v1/redemptions", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%s-%d-%d", plan.run, id, counter),
  }, '{"reward_id": ' .. reward .. ', "quantity": 1}')
end

function response(status, headers, body)
  local code = tostring(status)
  if status == 409 then code = code .. ":" .. (body:match('"code"%s*:%s*"([%w_]+)"') or "?") end
  statuses[code] = (statuses[code] or 0) + 1
end

function done(summary, latency, requests)
  local parts = {}
  local totals = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do totals[code] = (totals[code] or 0) + n end
  end
  for code, n in pairs(totals) do table.insert(parts, string.format('"%s": %d', code, n)) end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
