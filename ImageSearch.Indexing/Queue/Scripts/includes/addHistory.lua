--[[
  Appends one event to a task's history list. The only place the history's JSON is made:
  {"at": ISO time, "event": name, ...fields} (worker_id, attempt, error, retry_at).
]]
local function addHistory(historyKey, at, event, fields)
  local entry = fields or {}
  entry["at"] = at
  entry["event"] = event
  redis.call("RPUSH", historyKey, cjson.encode(entry))
end
