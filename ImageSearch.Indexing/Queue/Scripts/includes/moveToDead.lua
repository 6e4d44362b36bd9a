--[[
  Puts a task at the tail of the dead-letter list with its error; the caller counts it as failed.
]]
--- @include "appendHistory"
--- @include "forgetDeduplication"

local function moveToDead(deadKey, dedupKey, taskKey, taskId, nowIso, error, history, dedupEntry, historyFields)
  redis.call("RPUSH", deadKey, taskId)
  historyFields["error"] = error
  redis.call("HSET", taskKey, "status", "dead", "error", error, "finished_at", nowIso,
    "history", appendHistory(history, nowIso, "dead", historyFields))
  forgetDeduplication(dedupKey, dedupEntry, taskId)
end
