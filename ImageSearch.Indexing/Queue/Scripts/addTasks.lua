--[[
  Enqueues a batch of tasks: writes each task's hash with its first history entry, then pushes the new
  ids onto the tail of the pending list. A task that asks for deduplication and finds a live task (pending,
  delayed or processing) for the same product and image returns that task's id instead.

  Input:
    KEYS[1] pending list
    KEYS[2] stats hash
    KEYS[3] deduplication hash

    ARGV[1] task key prefix
    ARGV[2] now, ISO 8601
    ARGV[3] number of tasks
    ARGV[4..] per task: id, deduplication entry or "", the request (JSON: product, image, name, description,
              metadata, created_at, trace context), which is never changed afterwards

  Output:
    { id 1, duplicate 1 (0/1), id 2, duplicate 2, ..., length of the pending list }
]]
--- @include "includes/appendHistory"

local pendingKey, statsKey, dedupKey = KEYS[1], KEYS[2], KEYS[3]
local taskPrefix, nowIso, count = ARGV[1], ARGV[2], tonumber(ARGV[3])

local live = { pending = true, delayed = true, processing = true }
local out, created = {}, {}
-- Numbers for every task asked for; a duplicate leaves a gap, which nothing minds.
local sequence = redis.call("HINCRBY", statsKey, "sequence", count) - count
local history = appendHistory(nil, nowIso, "enqueued")
local a = 4
for _ = 1, count do
  local taskId, dedup, request = ARGV[a], ARGV[a + 1], ARGV[a + 2]
  local existing = dedup ~= "" and redis.call("HGET", dedupKey, dedup)
  if existing and live[redis.call("HGET", taskPrefix .. existing, "status")] then
    out[#out + 1] = existing
    out[#out + 1] = 1
  else
    local taskKey = taskPrefix .. taskId
    sequence = sequence + 1
    redis.call("HSET", taskKey, "task_id", taskId, "status", "pending", "attempts", 0, "recoveries", 0,
      "sequence", sequence, "dedup_key", dedup, "history", history, "request", request)
    if dedup ~= "" then
      redis.call("HSET", dedupKey, dedup, taskId)
    end
    created[#created + 1] = taskId
    out[#out + 1] = taskId
    out[#out + 1] = 0
  end
  a = a + 3
end

-- RPUSH answers with the list's new length; only a call that added no task needs LLEN.
local length
if #created > 0 then
  length = redis.call("RPUSH", pendingKey, unpack(created))
  redis.call("HINCRBY", statsKey, "enqueued", #created)
else
  length = redis.call("LLEN", pendingKey)
end
out[#out + 1] = length
return out
