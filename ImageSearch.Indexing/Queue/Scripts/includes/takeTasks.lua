--[[
  Takes up to count tasks from the head of the pending list under one lease: the token is written on
  each task and its deadline (server time) in the active set. Returns, per task taken, the values of
  the requested fields, in order.
]]
--- @include "addHistory"
--- @include "popHead"

local function takeTasks(pendingKey, activeKey, taskPrefix, count, token, deadlineMs, workerId,
                         nowIso, fields)
  local taken = {}
  if count <= 0 then
    return taken
  end
  local leased = {}
  for _, taskId in ipairs(popHead(pendingKey, count)) do
    local taskKey = taskPrefix .. taskId
    -- An id whose record is gone or not pending any more (nothing does that today) is dropped.
    if redis.call("HGET", taskKey, "status") == "pending" then
      local attempt = redis.call("HINCRBY", taskKey, "attempts", 1)
      redis.call("HSET", taskKey, "status", "processing", "worker_id", workerId, "lease", token,
        "started_at", nowIso)
      addHistory(taskKey .. ":history", nowIso, "started", { worker_id = workerId, attempt = attempt })
      leased[#leased + 1] = deadlineMs
      leased[#leased + 1] = taskId
      taken[#taken + 1] = redis.call("HMGET", taskKey, unpack(fields))
    end
  end
  if #leased > 0 then
    redis.call("ZADD", activeKey, unpack(leased))
  end
  return taken
end
