-- make bench's booking load for wrk 4 (bench/wrk.py runs it; docs/performance.md).
--
-- wrk <options> -s bench/wrk_bookings.lua <url> -- <folder> <threads>
--
-- <folder>/requests has one line per booking, "<path> <bearer token>", each token a different
-- person: thread k (0-based) of N sends lines k+1, k+1+N, k+1+2N, ... once each. When a
-- thread runs out it writes <folder>/stop and every thread stops sending; each waits for the
-- answers to what it sent, writes <folder>/done.<k> and stops (bench/wrk.py then ends wrk,
-- which would otherwise wait for -d). Nothing but the listed requests is ever sent: a
-- connection with nothing left to send gets "" (wrk writes nothing).
--
-- done() writes <folder>/results, one fact a line (bench/wrk.py parse_results reads it):
--   duration_us <n> / requests <n> / latency_us <p50> <p95> <p99>
--   errors <connect> <read> <write> <status> <timeout>
--   thread <k> <highest line sent> <requests sent> <ran out: 0|1>
--   status <count> <label>          label as bench/load.py's: "201 confirmed", "409 <code>"
--   confirmed <session> <count>     201 confirmed answers per session
--   waitlisted <session> <position> one line per waitlisted answer (null if none was given)
--
-- thread:get copies only flat tables (a nested one crashes wrk 4.1), hence the string lists.

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local mine, position, inflight, stopping, finished, verifying

local function exists(path)
  local file = io.open(path, "r")
  if file then file:close() end
  return file ~= nil
end

local function touch(path)
  io.open(path, "w"):close()
end

function init(args)
  folder = args[1] -- a global: done() reads it from thread 1
  local count = tonumber(args[2])
  mine = {}
  local number = 0
  for line in io.lines(folder .. "/requests") do
    number = number + 1
    if (number - 1) % count == index then
      local path, token = line:match("^(%S+) (%S+)$")
      table.insert(mine, { number = number, path = path, token = token })
    end
  end
  position, inflight, stopping, finished = 1, 0, false, false
  -- wrk calls thread 0's request() once before the run, to check that it returns one whole
  -- request; that one is never sent, so it must not use up a person.
  verifying = index == 0
  -- Read by done() through thread:get.
  statuses, confirmed, waitlisted = {}, {}, {}
  highest, sent, ran_out = 0, 0, 0
end

local function finish()
  if not finished then
    finished = true
    touch(folder .. "/done." .. index)
    wrk.thread:stop()
  end
end

function request()
  if verifying then
    verifying = false
    return wrk.format("GET", "/")
  end
  if not stopping then
    if position > #mine then
      stopping, ran_out = true, 1
      touch(folder .. "/stop")
    elseif exists(folder .. "/stop") then
      stopping = true
    end
  end
  if stopping then
    if inflight == 0 then finish() end
    return ""
  end
  local line = mine[position]
  position, inflight, sent, highest = position + 1, inflight + 1, sent + 1, line.number
  return wrk.format("POST", line.path, {
    ["Authorization"] = "Bearer " .. line.token,
    ["Content-Type"] = "application/json",
  }, "{}")
end

function response(status, headers, body)
  inflight = inflight - 1
  local label = tostring(status)
  if status >= 400 then
    local code = body:match('"code"%s*:%s*"([^"]*)"')
    if code then label = label .. " " .. code end
  elseif status == 201 then
    local state = body:match('"status"%s*:%s*"([^"]*)"')
    if state then
      label = "201 " .. state
      local session = body:match('"session"%s*:%s*(%d+)') or "?"
      if state == "confirmed" then
        confirmed[session] = (confirmed[session] or 0) + 1
      elseif state == "waitlisted" then
        local place = body:match('"waitlist_position"%s*:%s*(%d+)') or "null"
        table.insert(waitlisted, session .. " " .. place)
      end
    end
  end
  statuses[label] = (statuses[label] or 0) + 1
  if stopping and inflight == 0 then finish() end
end

function done(summary, latency, requests)
  local out = assert(io.open(threads[1]:get("folder") .. "/results", "w"))
  local function put(...) out:write(table.concat({ ... }, " "), "\n") end
  local errors = summary.errors
  put("duration_us", summary.duration)
  put("requests", summary.requests)
  put("latency_us", latency:percentile(50), latency:percentile(95), latency:percentile(99))
  put("errors", errors.connect, errors.read, errors.write, errors.status, errors.timeout)
  for _, thread in ipairs(threads) do
    put("thread", thread:get("index"), thread:get("highest"), thread:get("sent"),
      thread:get("ran_out"))
    for label, count in pairs(thread:get("statuses")) do put("status", count, label) end
    for session, count in pairs(thread:get("confirmed")) do put("confirmed", session, count) end
    for _, answer in ipairs(thread:get("waitlisted")) do put("waitlisted", answer) end
  end
  out:close()
end
