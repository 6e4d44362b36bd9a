--[[
  Moves retries that are due (their score, on the caller's clock, is not after nowMs) from the delayed set to the
  tail of the pending list.
]]
--- @include "appendHistory"

local function promoteDueRetries(delayedKey, pendingKey, taskPrefix, nowMs, nowIso, limit)
  local due = redis.call("ZRANGEBYSCORE", delayedKey, "-inf", nowMs, "LIMIT", 0, limit)
  if #due == 0 then
    return 0
  end
  redis.call("ZREM", delayedKey, unpack(due))
  local promoted = {}
  for _, taskId in ipairs(due) do
    local taskKey = taskPrefix .. taskId
    local state = redis.call("HMGET", taskKey, "status", "history")
    if state[1] == "delayed" then
      redis.call("HSET", taskKey, "status", "pending", "lease", "", "history", appendHistory(state[2], nowIso, "retry_due"))
      redis.call("HDEL", taskKey, "next_attempt_at")
      promoted[#promoted + 1] = taskId
    end
  end
  if #promoted > 0 then
    redis.call("RPUSH", pendingKey, unpack(promoted))
  end
  return #promoted
end
