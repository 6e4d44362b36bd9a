--[[
  Deletes up to a chunk of waiting tasks from one place (pending list, delayed set or dead-letter list),
  their records and "product + image" entries, in one step: a task is either still where it
  was, whole, or gone. The caller repeats it chunk by chunk.

  Input:
    KEYS[1] the place: pending list, delayed sorted set or dead-letter list
    KEYS[2] stats hash
    KEYS[3] deduplication hash
    KEYS[4] pending list (declared so that Garnet's transaction mode orders this with every transition)

    ARGV[1] task key prefix
    ARGV[2] "list" or "zset"
    ARGV[3] most tasks to delete

  Output:
    how many were deleted
]]
--- @include "includes/forgetDeduplication"
--- @include "includes/popHead"

local placeKey, statsKey, dedupKey = KEYS[1], KEYS[2], KEYS[3]
local taskPrefix, kind, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])

local ids
if kind == "zset" then
  ids = {}
  local popped = redis.call("ZPOPMIN", placeKey, limit)
  for i = 1, #popped, 2 do
    ids[#ids + 1] = popped[i]
  end
else
  ids = popHead(placeKey, limit)
end
for _, taskId in ipairs(ids) do
  local taskKey = taskPrefix .. taskId
  forgetDeduplication(dedupKey, redis.call("HGET", taskKey, "dedup_key"), taskId)
  redis.call("DEL", taskKey)
end
if #ids > 0 then
  redis.call("HINCRBY", statsKey, "flushed", #ids)
end
return #ids
