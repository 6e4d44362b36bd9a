--[[
  Renews the lease of every task of a batch still held under the token: its deadline moves to now (server
  time) plus the lease duration.

  Input:
    KEYS[1] active sorted set
    KEYS[2] pending list (untouched: declared so that Garnet's transaction mode orders this with every transition)

    ARGV[1] task key prefix
    ARGV[2] lease token
    ARGV[3] lease duration, ms
    ARGV[4..] task ids

  Output:
    { ids no longer held under the token (their lease lapsed, or they were finished or returned) }
]]
--- @include "includes/serverTime"

local activeKey = KEYS[1]
local taskPrefix, token, leaseMs = ARGV[1], ARGV[2], tonumber(ARGV[3])

local deadline = serverTimeMs() + leaseMs
local lost, renewed = {}, {}
for i = 4, #ARGV do
  local taskId = ARGV[i]
  local state = redis.call("HMGET", taskPrefix .. taskId, "status", "lease")
  if state[1] == "processing" and state[2] == token and redis.call("ZSCORE", activeKey, taskId) then
    renewed[#renewed + 1] = deadline
    renewed[#renewed + 1] = taskId
  else
    lost[#lost + 1] = taskId
  end
end
if #renewed > 0 then
  redis.call("ZADD", activeKey, "XX", unpack(renewed))
end
return lost
