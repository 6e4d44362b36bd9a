--[[
  Moves one key of the first version's layout into the current one and deletes it, in one step, so that a move
  interrupted and begun again never counts or pushes anything twice.

  Input:
    KEYS[1] the old key
    KEYS[2] the new key
    KEYS[3] pending list (for "processing")

    ARGV[1] what the old key is:
      "counters"   hash of counters, added to the new one
      "hash"       hash, fields the new one lacks copied
      "zset"       sorted set, members the new one lacks copied
      "list"       list, appended to the new one
      "processing" a worker's processing list: its tasks go back to the head of the pending list, in order
    ARGV[2] task key prefix (for "processing")

  Output:
    how many entries moved
]]
local oldKey, newKey, pendingKey = KEYS[1], KEYS[2], KEYS[3]
local kind, taskPrefix = ARGV[1], ARGV[2]

local moved = 0
if kind == "counters" or kind == "hash" then
  local fields = redis.call("HGETALL", oldKey)
  for i = 1, #fields, 2 do
    if kind == "counters" then
      redis.call("HINCRBY", newKey, fields[i], fields[i + 1])
    else
      redis.call("HSETNX", newKey, fields[i], fields[i + 1])
    end
    moved = moved + 1
  end
elseif kind == "zset" then
  local members = redis.call("ZRANGE", oldKey, 0, -1, "WITHSCORES")
  for i = 1, #members, 2 do
    redis.call("ZADD", newKey, "NX", members[i + 1], members[i])
    moved = moved + 1
  end
elseif kind == "list" then
  for _, value in ipairs(redis.call("LRANGE", oldKey, 0, -1)) do
    redis.call("RPUSH", newKey, value)
    moved = moved + 1
  end
elseif kind == "processing" then
  local ids = redis.call("LRANGE", oldKey, 0, -1)
  for i = #ids, 1, -1 do
    redis.call("HSET", taskPrefix .. ids[i], "status", "pending")
    redis.call("LPUSH", pendingKey, ids[i])
    moved = moved + 1
  end
end
redis.call("DEL", oldKey)
return moved
