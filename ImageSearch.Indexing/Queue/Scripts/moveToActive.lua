--[[
  Takes up to a batch of tasks for one worker under one new lease. Before it takes, it returns lapsed
  leases to the queue and promotes due retries, so recovery needs no process of its own.

  Input:
    KEYS[1] pending list
    KEYS[2] active sorted set (task id -> lease deadline, ms of server time)
    KEYS[3] delayed sorted set (task id -> when its retry is due, ms of the callers' clock)
    KEYS[4] dead-letter list
    KEYS[5] stats hash
    KEYS[6] deduplication hash

    ARGV[1] task key prefix
    ARGV[2] lease token (random, new for this take)
    ARGV[3] lease duration, ms
    ARGV[4] most tasks to take
    ARGV[5] worker id
    ARGV[6] now, ms of the caller's clock
    ARGV[7] now, ISO 8601
    ARGV[8] most times a task's lease may lapse before it is dead-lettered as poison

  Output:
    { { { id, attempt, sequence, request } of each task taken }, when the next retry is due (ms) or false }
]]
--- @include "includes/serverTime"
--- @include "includes/recoverLapsedLeases"
--- @include "includes/promoteDueRetries"
--- @include "includes/takeTasks"

local pendingKey, activeKey, delayedKey, deadKey, statsKey, dedupKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local taskPrefix, token, leaseMs, count, workerId = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local nowMs, nowIso, maxRecoveries = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])

local serverNowMs = serverTimeMs()
recoverLapsedLeases(pendingKey, activeKey, deadKey, statsKey, dedupKey, taskPrefix, serverNowMs, nowIso, maxRecoveries, 100)
promoteDueRetries(delayedKey, pendingKey, taskPrefix, nowMs, nowIso, 100)
local taken = takeTasks(pendingKey, activeKey, taskPrefix, count, token, serverNowMs + leaseMs, workerId, nowIso)
local nextDue = redis.call("ZRANGE", delayedKey, 0, 0, "WITHSCORES")
return { taken, nextDue[2] or false }
