namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Every state change of a task is one of these Lua scripts, named after what it does (as bullmq does),
/// so no transition is ever seen half done. Every key a script touches is declared in KEYS: Garnet's
/// transaction mode locks only those. Numbers are formatted with %d because Garnet runs Lua 5.4, where
/// tostring(10/2) is "5.0".
/// </summary>
internal static class QueueScripts
{
    private const string Prelude = "local unpack = unpack or table.unpack\n";

    // Drops the product+image entry of a finished task, unless a newer task has taken the entry.
    private const string ForgetDeduplication = """
        local function forget_dedup(taskKey, dedupKey, id)
          local dedup = redis.call('HGET', taskKey, 'dedup_key')
          if dedup and dedup ~= '' and redis.call('HGET', dedupKey, dedup) == id then
            redis.call('HDEL', dedupKey, dedup)
          end
        end

        """;

    /// <summary>
    /// KEYS: pending, stats, dedup, then (task, history) per task.
    /// ARGV: count, then per task: id, dedup key or '', history entry, field count, field/value pairs.
    /// Returns (id, duplicate 0/1) per task, then the pending length.
    /// </summary>
    public const string Enqueue = Prelude + """
        local out = {}
        local a = 2
        local created = 0
        for i = 1, tonumber(ARGV[1]) do
          local id, dedup, entry, n = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
          local taskKey, historyKey = KEYS[2 * i + 2], KEYS[2 * i + 3]
          local existing = false
          if dedup ~= '' then existing = redis.call('HGET', KEYS[3], dedup) end
          if existing then
            out[#out + 1] = existing
            out[#out + 1] = '1'
          else
            redis.call('HSET', taskKey, unpack(ARGV, a + 4, a + 3 + 2 * n))
            if dedup ~= '' then redis.call('HSET', KEYS[3], dedup, id) end
            redis.call('RPUSH', historyKey, entry)
            redis.call('RPUSH', KEYS[1], id)
            created = created + 1
            out[#out + 1] = id
            out[#out + 1] = '0'
          end
          a = a + 4 + 2 * n
        end
        if created > 0 then redis.call('HINCRBY', KEYS[2], 'enqueued', created) end
        out[#out + 1] = redis.call('LLEN', KEYS[1])
        return out
        """;

    /// <summary>
    /// Marks tasks just moved (by BLMOVE/LMOVE) into a worker's processing list as processing.
    /// KEYS: processing, then (task, history) per task. ARGV: worker id, now ISO, now ms, worker id as JSON, ids.
    /// Returns (the HGETALL of each task taken, the ids not found in the processing list); tasks no
    /// longer pending are dropped from the list.
    /// </summary>
    public const string MoveToActive = """
        local out = {}
        local missing = {}
        for i = 1, #ARGV - 4 do
          local id = ARGV[4 + i]
          local taskKey, historyKey = KEYS[2 * i], KEYS[2 * i + 1]
          if redis.call('LPOS', KEYS[1], id) then
            local status = redis.call('HGET', taskKey, 'status')
            if status == 'processing' and redis.call('HGET', taskKey, 'worker_id') == ARGV[1] then
              -- Already this worker's and in hand.
            elseif status ~= 'pending' then
              -- Flushed, expired or cancelled while it was being moved.
              redis.call('LREM', KEYS[1], 1, id)
            else
              local attempt = redis.call('HINCRBY', taskKey, 'attempts', 1)
              redis.call('HSET', taskKey, 'status', 'processing', 'worker_id', ARGV[1],
                'started_at', ARGV[2], 'started_at_ms', ARGV[3])
              redis.call('RPUSH', historyKey, string.format(
                '{"at":"%s","event":"started","worker_id":%s,"attempt":%d}', ARGV[2], ARGV[4], attempt))
              out[#out + 1] = redis.call('HGETALL', taskKey)
            end
          else
            missing[#missing + 1] = id
          end
        end
        return {out, missing}
        """;

    /// <summary>
    /// KEYS: processing, task, history, stats, dedup, completions of this second.
    /// ARGV: id, now ISO, result JSON, duration ms, retention s, history entry.
    /// Returns 1, or 0 when the task was no longer this worker's (taken back after its heartbeat lapsed).
    /// </summary>
    public const string MoveToCompleted = ForgetDeduplication + """
        local id = ARGV[1]
        if redis.call('LREM', KEYS[1], 1, id) == 0 then return 0 end
        redis.call('HSET', KEYS[2], 'status', 'completed', 'finished_at', ARGV[2], 'result', ARGV[3], 'duration_ms', ARGV[4])
        redis.call('RPUSH', KEYS[3], ARGV[6])
        forget_dedup(KEYS[2], KEYS[5], id)
        redis.call('HINCRBY', KEYS[4], 'completed', 1)
        redis.call('INCR', KEYS[6])
        redis.call('EXPIRE', KEYS[6], 120)
        redis.call('EXPIRE', KEYS[2], ARGV[5])
        redis.call('EXPIRE', KEYS[3], ARGV[5])
        return 1
        """;

    /// <summary>
    /// KEYS: processing, task, history, stats, dedup, delayed, dead.
    /// ARGV: id, now ISO, error, permanent 0/1, max attempts, retry at ms, retry at ISO, retry entry, dead entry.
    /// Returns 1 when a retry was scheduled, 2 when dead-lettered, 0 when the task was no longer this worker's.
    /// </summary>
    public const string MoveToFailed = ForgetDeduplication + """
        local id = ARGV[1]
        if redis.call('LREM', KEYS[1], 1, id) == 0 then return 0 end
        local attempts = tonumber(redis.call('HGET', KEYS[2], 'attempts') or '0')
        if ARGV[4] == '0' and attempts < tonumber(ARGV[5]) then
          redis.call('ZADD', KEYS[6], ARGV[6], id)
          redis.call('HSET', KEYS[2], 'status', 'delayed', 'error', ARGV[3], 'next_attempt_at', ARGV[7])
          redis.call('RPUSH', KEYS[3], ARGV[8])
          redis.call('HINCRBY', KEYS[4], 'retried', 1)
          return 1
        end
        redis.call('RPUSH', KEYS[7], id)
        redis.call('HSET', KEYS[2], 'status', 'dead', 'error', ARGV[3], 'finished_at', ARGV[2])
        redis.call('HDEL', KEYS[2], 'next_attempt_at')
        redis.call('RPUSH', KEYS[3], ARGV[9])
        forget_dedup(KEYS[2], KEYS[5], id)
        redis.call('HINCRBY', KEYS[4], 'failed', 1)
        return 2
        """;

    /// <summary>
    /// Moves due retries from the delayed set to the tail of the pending list.
    /// KEYS: delayed, pending, then (task, history) per id. ARGV: now ISO, now ms, ids. Returns how many moved.
    /// </summary>
    public const string PromoteDelayed = """
        local moved = 0
        for i = 1, #ARGV - 2 do
          local id = ARGV[2 + i]
          local taskKey, historyKey = KEYS[2 * i + 1], KEYS[2 * i + 2]
          local due = redis.call('ZSCORE', KEYS[1], id)
          if due and tonumber(due) <= tonumber(ARGV[2]) then
            redis.call('ZREM', KEYS[1], id)
            if redis.call('EXISTS', taskKey) == 1 then
              redis.call('HSET', taskKey, 'status', 'pending')
              redis.call('HDEL', taskKey, 'next_attempt_at')
              redis.call('RPUSH', historyKey, string.format('{"at":"%s","event":"retry_due"}', ARGV[1]))
              redis.call('RPUSH', KEYS[2], id)
              moved = moved + 1
            end
          end
        end
        return moved
        """;

    /// <summary>
    /// Puts the tasks of a worker's processing list back at the head of the pending list, in order.
    /// Mode 'lapsed': another worker noticed the heartbeat expired (refused with -1 if it is alive);
    /// 'restart': the worker itself, starting again under the same id after a crash; both count a recovery
    /// and dead-letter a task recovered more than the allowed times as poison. Mode 'shutdown': handed
    /// back unfinished at a graceful stop; the attempt does not count.
    /// KEYS: processing, pending, dead, stats, worker status, workers, dedup, then (task, history) per id.
    /// ARGV: mode, worker id, now ISO, max recoveries, recovered entry, poison entry, poison error, ids
    /// (the list as the caller read it: -2 if it changed since).
    /// </summary>
    public const string MoveStalledToPending = ForgetDeduplication + """
        local mode = ARGV[1]
        if mode == 'lapsed' and redis.call('EXISTS', KEYS[5]) == 1 then return -1 end
        local current = redis.call('LRANGE', KEYS[1], 0, -1)
        local count = #ARGV - 7
        if #current ~= count then return -2 end
        for i = 1, count do
          if current[i] ~= ARGV[7 + i] then return -2 end
        end
        local moved = 0
        for i = count, 1, -1 do
          local id = ARGV[7 + i]
          local taskKey, historyKey = KEYS[6 + 2 * i], KEYS[7 + 2 * i]
          if redis.call('EXISTS', taskKey) == 1 then
            moved = moved + 1
            if mode == 'shutdown' then
              if redis.call('HGET', taskKey, 'status') == 'processing' then
                redis.call('HINCRBY', taskKey, 'attempts', -1)
              end
              redis.call('HSET', taskKey, 'status', 'pending')
              redis.call('RPUSH', historyKey, ARGV[5])
              redis.call('LPUSH', KEYS[2], id)
            elseif redis.call('HINCRBY', taskKey, 'recoveries', 1) > tonumber(ARGV[4]) then
              redis.call('RPUSH', KEYS[3], id)
              redis.call('HSET', taskKey, 'status', 'dead', 'error', ARGV[7], 'finished_at', ARGV[3])
              redis.call('RPUSH', historyKey, ARGV[6])
              forget_dedup(taskKey, KEYS[7], id)
              redis.call('HINCRBY', KEYS[4], 'failed', 1)
              redis.call('HINCRBY', KEYS[4], 'poisoned', 1)
            else
              redis.call('HSET', taskKey, 'status', 'pending')
              redis.call('RPUSH', historyKey, ARGV[5])
              redis.call('LPUSH', KEYS[2], id)
              redis.call('HINCRBY', KEYS[4], 'recovered', 1)
            end
          end
        end
        redis.call('DEL', KEYS[1])
        if mode == 'lapsed' then redis.call('ZREM', KEYS[6], ARGV[2]) end
        return moved
        """;

    /// <summary>
    /// KEYS: pending, delayed, task, history, dedup, stats. ARGV: id, now ISO, retention s, history entry.
    /// Returns 1, or 0 when the task is not waiting (processing, finished or unknown).
    /// </summary>
    public const string Cancel = ForgetDeduplication + """
        local id = ARGV[1]
        local removed = redis.call('LREM', KEYS[1], 0, id) + redis.call('ZREM', KEYS[2], id)
        if removed == 0 then return 0 end
        redis.call('HSET', KEYS[3], 'status', 'cancelled', 'finished_at', ARGV[2])
        redis.call('HDEL', KEYS[3], 'next_attempt_at')
        redis.call('RPUSH', KEYS[4], ARGV[4])
        forget_dedup(KEYS[3], KEYS[5], id)
        redis.call('HINCRBY', KEYS[6], 'cancelled', 1)
        redis.call('EXPIRE', KEYS[3], ARGV[3])
        redis.call('EXPIRE', KEYS[4], ARGV[3])
        return 1
        """;

    /// <summary>
    /// KEYS: dead, pending, task, history. ARGV: id, history entry.
    /// Returns 1, or 0 when the task is not in the dead-letter list.
    /// </summary>
    public const string RequeueDead = """
        local id = ARGV[1]
        if redis.call('EXISTS', KEYS[3]) == 0 or redis.call('LREM', KEYS[1], 0, id) == 0 then return 0 end
        redis.call('HSET', KEYS[3], 'status', 'pending', 'attempts', 0, 'recoveries', 0)
        redis.call('HDEL', KEYS[3], 'finished_at', 'next_attempt_at')
        redis.call('RPUSH', KEYS[4], ARGV[2])
        redis.call('RPUSH', KEYS[2], id)
        return 1
        """;

    /// <summary>KEYS: a list. Empties it and returns what it held.</summary>
    public const string TakeList = """
        local ids = redis.call('LRANGE', KEYS[1], 0, -1)
        redis.call('DEL', KEYS[1])
        return ids
        """;

    /// <summary>KEYS: a sorted set. Empties it and returns its members.</summary>
    public const string TakeSortedSet = """
        local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
        redis.call('DEL', KEYS[1])
        return ids
        """;

    /// <summary>KEYS: dedup, then (task, history) per id. ARGV: ids. Deletes the records of flushed tasks.</summary>
    public const string DeleteTasks = ForgetDeduplication + """
        for i = 1, #ARGV do
          forget_dedup(KEYS[2 * i], KEYS[1], ARGV[i])
          redis.call('DEL', KEYS[2 * i], KEYS[2 * i + 1])
        end
        return #ARGV
        """;
}
