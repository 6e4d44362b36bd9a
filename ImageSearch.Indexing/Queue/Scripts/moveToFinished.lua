--[[
  Records how each task of a batch ended, then (when asked) takes the next batch in the same round trip,
  as bullmq's moveToFinished does. Only the holder of a task's current lease can finish it: an outcome
  under a stale lease (the task lapsed and went back to the queue, or was taken again) is refused. Sent
  twice (a lost reply), the same outcome is answered again without a second effect.

  Input:
    KEYS[1..6] as moveToActive: pending, active, delayed, dead, stats, deduplication
    KEYS[7]    counter of the completions in this second

    ARGV[1]  task key prefix
    ARGV[2]  the lease token of the batch being finished
    ARGV[3]  a new lease token for the next batch
    ARGV[4]  lease duration, ms
    ARGV[5]  most tasks to take next (0: finish only)
    ARGV[6]  worker id
    ARGV[7]  now, ms of the caller's clock
    ARGV[8]  now, ISO 8601
    ARGV[9]  most times a task's lease may lapse before it is dead-lettered as poison
    ARGV[10] retention of finished task records, s
    ARGV[11] attempts a task gets before a transient failure dead-letters it
    ARGV[12] number of outcomes
    then per outcome 6 values:
      completed: id, "completed", result JSON, duration ms, "", ""
      failed:    id, "failed", error, "permanent" or "transient", retry due ms, retry due ISO 8601

  Output:
    { { disposition per outcome: 1 completed, 2 retry scheduled, 3 dead-lettered, 0 refused: stale lease },
      { { id, attempt, sequence, request } of each task taken next }, when the next retry is due (ms) or false }
]]
--- @include "includes/serverTime"
--- @include "includes/recoverLapsedLeases"
--- @include "includes/promoteDueRetries"
--- @include "includes/takeTasks"
--- @include "includes/moveToDead"

local pendingKey, activeKey, delayedKey, deadKey, statsKey, dedupKey, completionsKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local taskPrefix, token, nextToken, leaseMs = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local count, workerId, nowMs, nowIso, maxRecoveries = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9])
local retention, maxAttempts, outcomes = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])

-- What a finished task's status says about an outcome already recorded under this lease.
local recorded = { completed = 1, delayed = 2, dead = 3 }
local dispositions, released = {}, {}
local completed, retried, failed, refused = 0, 0, 0, 0
local a = 13
for i = 1, outcomes do
  local taskId, kind, text, detail, retryAtMs, retryAtIso =
    ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  a = a + 6
  local taskKey = taskPrefix .. taskId
  local state = redis.call("HMGET", taskKey, "status", "lease", "attempts", "history", "dedup_key")
  local status, lease, attempts, history, dedup = state[1], state[2], tonumber(state[3] or "0"), state[4], state[5]
  if lease ~= token then
    dispositions[i] = 0
    refused = refused + 1
    if status then
      redis.call("HSET", taskKey, "history", appendHistory(history, nowIso, "refused", { worker_id = workerId }))
    end
  elseif status ~= "processing" then
    dispositions[i] = recorded[status] or 0
  else
    released[#released + 1] = taskId
    local entry = { worker_id = workerId, attempt = attempts }
    if kind == "completed" then
      redis.call("HSET", taskKey, "status", "completed", "finished_at", nowIso, "result", text, "duration_ms", detail,
        "history", appendHistory(history, nowIso, "completed", entry))
      redis.call("EXPIRE", taskKey, retention)
      forgetDeduplication(dedupKey, dedup, taskId)
      completed = completed + 1
      dispositions[i] = 1
    elseif detail == "transient" and attempts < maxAttempts then
      redis.call("ZADD", delayedKey, retryAtMs, taskId)
      entry["error"] = text
      entry["retry_at"] = retryAtIso
      redis.call("HSET", taskKey, "status", "delayed", "error", text, "next_attempt_at", retryAtIso,
        "history", appendHistory(history, nowIso, "retry_scheduled", entry))
      retried = retried + 1
      dispositions[i] = 2
    else
      moveToDead(deadKey, dedupKey, taskKey, taskId, nowIso, text, history, dedup, entry)
      failed = failed + 1
      dispositions[i] = 3
    end
  end
end

if #released > 0 then redis.call("ZREM", activeKey, unpack(released)) end
if completed > 0 then
  redis.call("HINCRBY", statsKey, "completed", completed)
  redis.call("INCRBY", completionsKey, completed)
  redis.call("EXPIRE", completionsKey, 120)
end
if retried > 0 then redis.call("HINCRBY", statsKey, "retried", retried) end
if failed > 0 then redis.call("HINCRBY", statsKey, "failed", failed) end
if refused > 0 then redis.call("HINCRBY", statsKey, "refused", refused) end

local taken = {}
if count > 0 then
  local serverNowMs = serverTimeMs()
  recoverLapsedLeases(pendingKey, activeKey, deadKey, statsKey, dedupKey, taskPrefix, serverNowMs, nowIso, maxRecoveries, 100)
  promoteDueRetries(delayedKey, pendingKey, taskPrefix, nowMs, nowIso, 100)
  taken = takeTasks(pendingKey, activeKey, taskPrefix, count, nextToken, serverNowMs + leaseMs, workerId, nowIso)
end
local nextDue = redis.call("ZRANGE", delayedKey, 0, 0, "WITHSCORES")
return { dispositions, taken, nextDue[2] or false }
