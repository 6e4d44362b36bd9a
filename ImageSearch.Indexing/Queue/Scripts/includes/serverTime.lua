--[[
  Now, in milliseconds of the server's clock: leases are timed on it, so workers' clocks never matter.
]]
local function serverTimeMs()
  local time = redis.call("TIME")
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
