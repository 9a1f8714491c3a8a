-- bench/wrk.lua: replays the requests that bench/prepare wrote, one session
-- after another, and counts answers with another status than expected.
--
--   wrk -t2 -c64 -d15s -s bench/wrk.lua http://127.0.0.1:18480 -- FILE STATUS
--
-- STATUS is the status every answer must have, or two of them ("200/303":
-- the mixed scenario's pages and orders).
-- FILE has one line per session: cookie, method, path, form body (tabs). A
-- POST gets a fresh _idem token every time, so each one is a new order. The
-- baseline is run with FILE "-" (GET / without cookie). Every request says
-- Accept-Encoding like a browser, so compression is measured too.
-- done() prints one line: RESULT requests= seconds= p50_us= p99_us= errors= wrong=

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  reqs = {}
  want = {}
  for st in string.gmatch(args[2] or "200", "%d+") do
    want[tonumber(st)] = true
  end
  wrong = 0
  counter = 0
  if args[1] and args[1] ~= "-" then
    for l in io.lines(args[1]) do
      local cookie, method, path, body = l:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
      if cookie then
        table.insert(reqs, { cookie = cookie, method = method, path = path, body = body })
      end
    end
  else
    table.insert(reqs, { cookie = "", method = "GET", path = "/", body = "" })
  end
  i = ((tid or 1) * 7) % #reqs
  math.randomseed(os.time() * 1000 + (tid or 1))
  prefix = string.format("wrk%x%x%x", os.time(), tid or 1, math.random(0, 0xfffffff))
end

function request()
  i = i % #reqs + 1
  local r = reqs[i]
  local headers = { ["Accept-Encoding"] = "gzip, deflate, br" }
  if r.cookie ~= "" then
    headers["Cookie"] = r.cookie
  end
  if r.method == "POST" then
    counter = counter + 1
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    -- The portal's token form (store.NewFormToken): the issue second in
    -- eight hex digits, a dot, then anything unique.
    local tok = string.format("%08x.", os.time()) .. prefix .. "-" .. counter
    return wrk.format("POST", r.path, headers, r.body .. "&_idem=" .. tok)
  end
  return wrk.format("GET", r.path, headers)
end

function response(status, headers, body)
  if not want[status] then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("wrong") or 0)
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_us=%d p99_us=%d errors=%d wrong=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, bad))
end
