-- POST /predict with mixed traffic for the toy model (numeric features f1, f2).
--
-- Every 20 requests a connection's thread sends, in a fixed order:
--   14 valid single rows (32 different value pairs, in turn)        -> 200
--    2 batches: 1,000 and 100 rows, as {"instances": [...]} and as a
--      bare array (the shapes swap every cycle)                       -> 200
--    4 invalid bodies, in turn from 8 kinds: malformed or truncated
--      JSON (400), a wrong content type (415), a wrong type, an unknown
--      feature, a missing feature, an empty batch, a batch with one bad
--      row (422)
-- so 70 % single rows, 10 % batches, 20 % invalid.
--
-- wrk cannot tie a response to its request, so the script counts what it
-- sent by the status it must get, and what came back by status; done()
-- prints both on one line starting "mixed:" (bench/serve_bench.ts parses
-- it). They may differ by the requests in flight when wrk stops (at most
-- one per connection) and by those lost to socket errors; a server that
-- answered 400 to everything, or 500 to anything, cannot match.

-- the cycle: "s" single row, "b" batch, "x" invalid
local CYCLE = {
  "s", "s", "s", "x", "s", "s", "b", "s", "s", "x",
  "s", "s", "s", "x", "s", "s", "b", "s", "s", "x",
}

local function row(i)
  -- values spread over [-10, 10] with decimals, and some integers
  local f1 = ((i * 37) % 201 - 100) / 10
  local f2 = ((i * 53) % 97 - 48) / 4.8
  if i % 4 == 0 then
    return string.format('{"f1":%d,"f2":%d}', i % 2, (i + 1) % 2)
  end
  return string.format('{"f1":%.3f,"f2":%.4f}', f1, f2)
end

local function rows(n, offset)
  local out = {}
  for i = 1, n do out[i] = row(i + offset) end
  return "[" .. table.concat(out, ",") .. "]"
end

local JSON = "application/json"

-- { body, content type, expected status }
local INVALID = {
  { '{"f1":1,"f2":', JSON, 400 },                  -- truncated JSON
  { '{"f1":"one","f2":0}', JSON, 422 },            -- wrong type
  { '{"f1":1,"f2":0}', "text/plain", 415 },         -- wrong content type
  { '{"f1":1,"f2":0,"f3":2}', JSON, 422 },         -- unknown feature
  { "{f1: 1, f2: 0}", JSON, 400 },                 -- not JSON
  { '{"f1":1}', JSON, 422 },                       -- missing feature
  { '{"instances":[]}', JSON, 422 },               -- empty batch
  { nil, JSON, 422 },                              -- a 100-row batch, row 51 bad (below)
}
do
  local bad = {}
  for i = 1, 100 do bad[i] = row(i) end
  bad[51] = '{"f1":1,"f2":null}'
  INVALID[8][1] = "[" .. table.concat(bad, ",") .. "]"
end

local singles, batches, invalid = {}, {}, {}
local n = 0
-- what was sent, by the status it must get, and what came back
sent_single, sent_batch, sent_400, sent_415, sent_422 = 0, 0, 0, 0, 0
got_2xx, got_400, got_415, got_422, got_4xx_other, got_5xx, got_other = 0, 0, 0, 0, 0, 0, 0

local function post(body, type)
  return wrk.format("POST", nil, { ["Content-Type"] = type }, body)
end

function init(args)
  for i = 1, 32 do singles[i] = post(row(i), JSON) end
  batches[1] = post('{"instances":' .. rows(1000, 0) .. "}", JSON)
  batches[2] = post(rows(100, 7), JSON)
  batches[3] = post(rows(1000, 3), JSON)
  batches[4] = post('{"instances":' .. rows(100, 11) .. "}", JSON)
  for i, case in ipairs(INVALID) do
    invalid[i] = { post(case[1], case[2]), case[3] }
  end
end

local nb, nx, ns = 0, 0, 0

function request()
  local kind = CYCLE[n % #CYCLE + 1]
  n = n + 1
  if kind == "s" then
    ns = ns % #singles + 1
    sent_single = sent_single + 1
    return singles[ns]
  elseif kind == "b" then
    nb = nb % #batches + 1
    sent_batch = sent_batch + 1
    return batches[nb]
  end
  nx = nx % #invalid + 1
  local case = invalid[nx]
  if case[2] == 400 then
    sent_400 = sent_400 + 1
  elseif case[2] == 415 then
    sent_415 = sent_415 + 1
  else
    sent_422 = sent_422 + 1
  end
  return case[1]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    got_2xx = got_2xx + 1
  elseif status == 400 then
    got_400 = got_400 + 1
  elseif status == 415 then
    got_415 = got_415 + 1
  elseif status == 422 then
    got_422 = got_422 + 1
  elseif status >= 400 and status < 500 then
    got_4xx_other = got_4xx_other + 1
  elseif status >= 500 then
    got_5xx = got_5xx + 1
  else
    got_other = got_other + 1
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local COUNTERS = {
  "sent_single", "sent_batch", "sent_400", "sent_415", "sent_422",
  "got_2xx", "got_400", "got_415", "got_422", "got_4xx_other", "got_5xx", "got_other",
}

function done(summary, latency, requests)
  local total = {}
  for _, name in ipairs(COUNTERS) do total[name] = 0 end
  for _, thread in ipairs(threads) do
    for _, name in ipairs(COUNTERS) do total[name] = total[name] + thread:get(name) end
  end
  local parts = {}
  for _, name in ipairs(COUNTERS) do parts[#parts + 1] = name .. "=" .. total[name] end
  io.write("mixed: " .. table.concat(parts, " ") .. "\n")
end
