--[[
  Reads a page of a list of task ids (the dead-letter list) with every record, in one round trip.

  Input:
    KEYS[1] the list
    KEYS[2] pending list (untouched: declared so that Garnet's transaction mode orders this with every transition)

    ARGV[1] task key prefix
    ARGV[2] offset
    ARGV[3] how many

  Output:
    { HGETALL of each task, ... } for the ids whose record still exists
]]
local listKey = KEYS[1]
local taskPrefix, offset, count = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local page = {}
for _, taskId in ipairs(redis.call("LRANGE", listKey, offset, offset + count - 1)) do
  local taskKey = taskPrefix .. taskId
  local fields = redis.call("HGETALL", taskKey)
  if #fields > 0 then
    page[#page + 1] = fields
  end
end
return page
