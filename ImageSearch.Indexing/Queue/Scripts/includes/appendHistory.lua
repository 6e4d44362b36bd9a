--[[
  A task's history is one field of its hash, "history": a JSON array of events, oldest first, so that a transition
  writes it with the rest of the task in one HSET. This returns the array with one more event:
  {"at": ISO time, "event": name, ...fields} (worker_id, attempt, error, retry_at). The only place its JSON is made.
]]
local function appendHistory(history, at, event, fields)
  local entry = fields or {}
  entry["at"] = at
  entry["event"] = event
  local encoded = cjson.encode(entry)
  if not history or history == "" or history == "[]" then
    return "[" .. encoded .. "]"
  end
  return string.sub(history, 1, -2) .. "," .. encoded .. "]"
end
