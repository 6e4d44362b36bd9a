--[[
  Takes up to count tasks from the head of the pending list under one lease: the token is written on each task and
  its deadline (server time) in the active set. Returns, per task taken, { id, attempt, sequence, request }.
]]
--- @include "appendHistory"
--- @include "popHead"

local function takeTasks(pendingKey, activeKey, taskPrefix, count, token, deadlineMs, workerId, nowIso)
  local taken = {}
  if count <= 0 then
    return taken
  end
  local leased = {}
  for _, taskId in ipairs(popHead(pendingKey, count)) do
    local taskKey = taskPrefix .. taskId
    local values = redis.call("HMGET", taskKey, "status", "attempts", "history", "sequence", "request")
    -- An id whose record is gone or not pending any more (nothing does that today) is dropped.
    if values[1] == "pending" then
      local attempt = tonumber(values[2] or "0") + 1
      redis.call("HSET", taskKey, "status", "processing", "attempts", attempt, "worker_id", workerId, "lease", token,
        "started_at", nowIso, "history", appendHistory(values[3], nowIso, "started", { worker_id = workerId, attempt = attempt }))
      leased[#leased + 1] = deadlineMs
      leased[#leased + 1] = taskId
      taken[#taken + 1] = { taskId, attempt, values[4], values[5] }
    end
  end
  if #leased > 0 then
    redis.call("ZADD", activeKey, unpack(leased))
  end
  return taken
end
