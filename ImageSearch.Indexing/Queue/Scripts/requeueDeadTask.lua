--[[
  Queues a dead letter again at the tail of the pending list, its attempts and recoveries reset. It no
  longer counts as failed, and it takes its "product + image" entry back when no newer task holds it.

  Input:
    KEYS[1] dead-letter list
    KEYS[2] pending list
    KEYS[3] stats hash
    KEYS[4] deduplication hash

    ARGV[1] task key prefix
    ARGV[2] task id
    ARGV[3] now, ISO 8601

  Output:
    1 queued again, 0 not a dead letter
]]
--- @include "includes/appendHistory"

local deadKey, pendingKey, statsKey, dedupKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local taskPrefix, taskId, nowIso = ARGV[1], ARGV[2], ARGV[3]

local taskKey = taskPrefix .. taskId
local state = redis.call("HMGET", taskKey, "status", "history", "dedup_key")
if state[1] ~= "dead" or redis.call("LREM", deadKey, 1, taskId) == 0 then
  return 0
end
redis.call("HSET", taskKey, "status", "pending", "attempts", 0, "recoveries", 0, "lease", "",
  "history", appendHistory(state[2], nowIso, "requeued"))
redis.call("HDEL", taskKey, "finished_at", "error")
local entry = state[3]
if entry and entry ~= "" and not redis.call("HGET", dedupKey, entry) then
  redis.call("HSET", dedupKey, entry, taskId)
end
redis.call("RPUSH", pendingKey, taskId)
redis.call("HINCRBY", statsKey, "failed", -1)
redis.call("HINCRBY", statsKey, "requeued", 1)
return 1
