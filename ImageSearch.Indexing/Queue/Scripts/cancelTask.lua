--[[
  Cancels a task that has not started: pending, or waiting for a retry.

  Input:
    KEYS[1] pending list
    KEYS[2] delayed sorted set
    KEYS[3] stats hash
    KEYS[4] deduplication hash

    ARGV[1] task key prefix
    ARGV[2] task id
    ARGV[3] now, ISO 8601
    ARGV[4] retention of finished task records, s

  Output:
    1 cancelled, 0 not waiting (processing, finished or unknown)
]]
--- @include "includes/appendHistory"
--- @include "includes/forgetDeduplication"

local pendingKey, delayedKey, statsKey, dedupKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local taskPrefix, taskId, nowIso, retention = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])

local taskKey = taskPrefix .. taskId
local state = redis.call("HMGET", taskKey, "status", "history", "dedup_key")
local removed = 0
if state[1] == "pending" then
  removed = redis.call("LREM", pendingKey, 1, taskId)
elseif state[1] == "delayed" then
  removed = redis.call("ZREM", delayedKey, taskId)
end
if removed == 0 then
  return 0
end
redis.call("HSET", taskKey, "status", "cancelled", "finished_at", nowIso, "history", appendHistory(state[2], nowIso, "cancelled"))
redis.call("HDEL", taskKey, "next_attempt_at")
forgetDeduplication(dedupKey, state[3], taskId)
redis.call("HINCRBY", statsKey, "cancelled", 1)
redis.call("EXPIRE", taskKey, retention)
return 1
