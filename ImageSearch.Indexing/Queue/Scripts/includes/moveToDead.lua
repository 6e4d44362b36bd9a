--[[
  Puts a task at the tail of the dead-letter list with its error; the caller counts it as failed.
]]
--- @include "addHistory"
--- @include "forgetDeduplication"

local function moveToDead(deadKey, dedupKey, taskKey, taskId, nowIso, error, historyFields)
  redis.call("RPUSH", deadKey, taskId)
  redis.call("HSET", taskKey, "status", "dead", "error", error, "finished_at", nowIso)
  redis.call("HDEL", taskKey, "next_attempt_at")
  historyFields["error"] = error
  addHistory(taskKey .. ":history", nowIso, "dead", historyFields)
  forgetDeduplication(dedupKey, taskKey, taskId)
end
