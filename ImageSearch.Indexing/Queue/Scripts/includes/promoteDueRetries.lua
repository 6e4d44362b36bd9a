--[[
  Moves retries that are due (their score, on the caller's clock, is not after nowMs) from the delayed
  set to the tail of the pending list.
]]
--- @include "addHistory"

local function promoteDueRetries(delayedKey, pendingKey, taskPrefix, nowMs, nowIso, limit)
  local due = redis.call("ZRANGEBYSCORE", delayedKey, "-inf", nowMs, "LIMIT", 0, limit)
  if #due == 0 then
    return 0
  end
  redis.call("ZREM", delayedKey, unpack(due))
  local promoted = {}
  for _, taskId in ipairs(due) do
    local taskKey = taskPrefix .. taskId
    if redis.call("HGET", taskKey, "status") == "delayed" then
      redis.call("HSET", taskKey, "status", "pending")
      redis.call("HDEL", taskKey, "next_attempt_at", "lease")
      addHistory(taskKey .. ":history", nowIso, "retry_due")
      promoted[#promoted + 1] = taskId
    end
  end
  if #promoted > 0 then
    redis.call("RPUSH", pendingKey, unpack(promoted))
  end
  return #promoted
end
