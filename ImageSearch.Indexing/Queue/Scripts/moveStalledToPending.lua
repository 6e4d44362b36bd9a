--[[
  The lease sweep on its own (every take runs it too): returns lapsed tasks to the queue, dead-letters
  those that lapsed too often.

  Input:
    KEYS[1..6] pending, active, delayed, dead, stats, deduplication (as moveToActive)

    ARGV[1] task key prefix
    ARGV[2] now, ISO 8601
    ARGV[3] most times a task's lease may lapse before it is dead-lettered as poison
    ARGV[4] most tasks to recover in this call

  Output:
    { recovered, poisoned }
]]
--- @include "includes/serverTime"
--- @include "includes/recoverLapsedLeases"

local pendingKey, activeKey, deadKey, statsKey, dedupKey = KEYS[1], KEYS[2], KEYS[4], KEYS[5], KEYS[6]
local taskPrefix, nowIso, maxRecoveries, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])

local recovered, poisoned = recoverLapsedLeases(pendingKey, activeKey, deadKey, statsKey, dedupKey, taskPrefix,
  serverTimeMs(), nowIso, maxRecoveries, limit)
return { recovered, poisoned }
