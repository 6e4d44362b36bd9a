--[[
  Drops the "product + image" entry of a task that left the queue, unless a newer task holds it now.
]]
local function forgetDeduplication(dedupKey, entry, taskId)
  if entry and entry ~= "" and redis.call("HGET", dedupKey, entry) == taskId then
    redis.call("HDEL", dedupKey, entry)
  end
end
