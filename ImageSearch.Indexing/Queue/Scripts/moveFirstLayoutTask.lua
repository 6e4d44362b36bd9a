--[[
  Moves one task of the first version's layout into the current one, in one step: its record (each part of the
  request in a field of its own, the W3C trace fields one by one) becomes the current record (the request as one JSON
  field), its history list becomes the record's history field, and both old keys go. A task already under its new key
  is left as it is.

  Input:
    KEYS[1] the old record, task:{id}
    KEYS[2] the old history list, task:{id}:history
    KEYS[3] the new record
    KEYS[4] pending list (untouched: declared so that Garnet's transaction mode orders this with every transition)

  Output:
    1 moved, 0 nothing to move
]]
local oldKey, oldHistoryKey, newKey = KEYS[1], KEYS[2], KEYS[3]

if redis.call("EXISTS", newKey) == 1 or redis.call("EXISTS", oldKey) == 0 then
  return 0
end
local old = {}
local flat = redis.call("HGETALL", oldKey)
for i = 1, #flat, 2 do
  old[flat[i]] = flat[i + 1]
end

local request = { product_id = old["product_id"], created_at = old["created_at"] }
for _, name in ipairs({ "image_path", "image_url", "name", "description" }) do
  if old[name] and old[name] ~= "" then
    request[name] = old[name]
  end
end
if old["metadata"] and old["metadata"] ~= "" and old["metadata"] ~= "{}" then
  request["metadata"] = cjson.decode(old["metadata"])
end
if old["traceparent"] and old["traceparent"] ~= "" then
  request["trace_context"] = { traceparent = old["traceparent"], tracestate = old["tracestate"] }
end

local entries = redis.call("LRANGE", oldHistoryKey, 0, -1)
local history = #entries > 0 and ("[" .. table.concat(entries, ",") .. "]") or ""
-- What went into the request, and what the current layout has no use for.
local folded = { product_id = true, image_path = true, image_url = true, name = true, description = true, metadata = true,
  created_at = true, traceparent = true, tracestate = true, started_at_ms = true }
local moved = { "request", cjson.encode(request), "history", history }
for name, value in pairs(old) do
  if not folded[name] then
    moved[#moved + 1] = name
    moved[#moved + 1] = value
  end
end
redis.call("HSET", newKey, unpack(moved))
redis.call("DEL", oldKey, oldHistoryKey)
return 1
