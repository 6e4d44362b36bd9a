--[[
  Hands tasks held under a lease back to the head of the pending list, in order, at a graceful stop: the
  attempt they were taken for does not count.

  Input:
    KEYS[1] pending list
    KEYS[2] active sorted set

    ARGV[1] task key prefix
    ARGV[2] lease token
    ARGV[3] worker id
    ARGV[4] now, ISO 8601
    ARGV[5..] task ids, in the order they were taken

  Output:
    how many were handed back
]]
--- @include "includes/appendHistory"

local pendingKey, activeKey = KEYS[1], KEYS[2]
local taskPrefix, token, workerId, nowIso = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

local returned, released = 0, {}
for i = #ARGV, 5, -1 do
  local taskId = ARGV[i]
  local taskKey = taskPrefix .. taskId
  local state = redis.call("HMGET", taskKey, "status", "lease", "attempts", "history")
  if state[1] == "processing" and state[2] == token then
    redis.call("HSET", taskKey, "status", "pending", "lease", "", "attempts", tonumber(state[3]) - 1,
      "history", appendHistory(state[4], nowIso, "returned", { worker_id = workerId }))
    redis.call("LPUSH", pendingKey, taskId)
    released[#released + 1] = taskId
    returned = returned + 1
  end
end
if #released > 0 then
  redis.call("ZREM", activeKey, unpack(released))
end
return returned
