--[[
  The sweep: every task whose lease lapsed (its taker died, hung, was paused or lost its connection) goes back to the
  head of the pending list, in the order they were enqueued; one that lapsed more than maxRecoveries times is
  dead-lettered as poison. Returns how many were recovered and how many poisoned.
]]
--- @include "moveToDead"

local function recoverLapsedLeases(pendingKey, activeKey, deadKey, statsKey, dedupKey, taskPrefix,
                                   serverNowMs, nowIso, maxRecoveries, limit)
  local lapsed = redis.call("ZRANGEBYSCORE", activeKey, "-inf", serverNowMs, "LIMIT", 0, limit)
  if #lapsed == 0 then
    return 0, 0
  end
  redis.call("ZREM", activeKey, unpack(lapsed))
  local tasks = {}
  for _, taskId in ipairs(lapsed) do
    local state = redis.call("HMGET", taskPrefix .. taskId, "status", "sequence", "worker_id", "recoveries", "history", "dedup_key")
    if state[1] == "processing" then
      tasks[#tasks + 1] = { id = taskId, sequence = tonumber(state[2] or "0"), holder = state[3],
        recoveries = tonumber(state[4] or "0") + 1, history = state[5], dedup = state[6] }
    end
  end
  -- One lease's tasks share a deadline: pushed back newest first, they stand at the head in enqueue order.
  table.sort(tasks, function(a, b) return a.sequence > b.sequence end)
  local recovered, poisoned = 0, 0
  for _, task in ipairs(tasks) do
    local taskKey = taskPrefix .. task.id
    redis.call("HSET", taskKey, "lease", "", "recoveries", task.recoveries)
    if task.recoveries > maxRecoveries then
      moveToDead(deadKey, dedupKey, taskKey, task.id, nowIso, "poison: its lease lapsed more than " .. maxRecoveries .. " times",
        task.history, task.dedup, { worker_id = task.holder })
      poisoned = poisoned + 1
    else
      redis.call("HSET", taskKey, "status", "pending",
        "history", appendHistory(task.history, nowIso, "recovered", { worker_id = task.holder }))
      redis.call("LPUSH", pendingKey, task.id)
      recovered = recovered + 1
    end
  end
  if recovered > 0 then redis.call("HINCRBY", statsKey, "recovered", recovered) end
  if poisoned > 0 then
    redis.call("HINCRBY", statsKey, "poisoned", poisoned)
    redis.call("HINCRBY", statsKey, "failed", poisoned)
  end
  return recovered, poisoned
end
