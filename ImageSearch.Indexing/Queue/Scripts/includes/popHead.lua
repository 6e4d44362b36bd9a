--[[
  Pops up to count ids from the head of a list, always as a table: Garnet answers LPOP key 1 with a plain string.
]]
local function popHead(listKey, count)
  local ids = redis.call("LPOP", listKey, count)
  if not ids then
    return {}
  end
  if type(ids) ~= "table" then
    return { ids }
  end
  return ids
end
