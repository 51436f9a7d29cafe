-- wrk script of bench/bench_lookup.py: POST /api/v1/lookups with officer
-- sessions, rotating through persons of real open dossiers; counts the answers
-- by status and prints machine-readable lines at the end.
--
--   wrk ... -s bench/lookup.lua URL -- SESSIONS TARGETS THREADS
--
-- SESSIONS: one officer session a line, "cookie<TAB>csrf token". TARGETS: one
-- lookup a line, "citizen id<TAB>dossier code<TAB>procedure code" (a person of a
-- real open dossier of the officers' agency, so the same requests serve both
-- [dossier] check modes). Thread t (0-based) of THREADS takes the sessions t, t+THREADS, ...
-- and hands them out round-robin, one request after another. wrk 4.1's Lua API
-- has no connection identity, so a session is not pinned to a connection; with
-- as many sessions as connections each session has about one request in flight.
--
-- Without arguments (the nginx run) it sends wrk's plain GET of URL, built once,
-- through the same request()/response() calls, and counts.

local threads = {}
local tid_next = 0

function setup(thread)
   thread:set("tid", tid_next)
   tid_next = tid_next + 1
   table.insert(threads, thread)
end

local function lines(path)
   local out = {}
   for l in io.lines(path) do
      if l ~= "" then table.insert(out, l) end
   end
   return out
end

counts = {}
local sessions, ids = {}, {}
local nsess, nids, si, ii = 0, 0, 0, 0
local plain

function init(args)
   if #args == 0 then
      plain = wrk.format()
      return
   end
   local nthreads = tonumber(args[3])
   local all = lines(args[1])
   for i, l in ipairs(all) do
      if (i - 1) % nthreads == tid then
         local cookie, csrf = l:match("^([^\t]+)\t(.+)$")
         table.insert(sessions, { cookie = cookie, csrf = csrf })
      end
   end
   for _, l in ipairs(lines(args[2])) do
      local id, dossier, procedure = l:match("^([^\t]+)\t([^\t]+)\t(.+)$")
      table.insert(ids, { id = id, dossier = dossier, procedure = procedure })
   end
   nsess, nids = #sessions, #ids
   -- each thread starts at its own place in the ids
   ii = (tid * 7919) % nids
end

function request()
   if plain then return plain end
   si = si % nsess + 1
   ii = ii % nids + 1
   local s = sessions[si]
   local t = ids[ii]
   local body = string.format('{"citizen_id":"%s","dossier_code":"%s","procedure_code":"%s"}',
                              t.id, t.dossier, t.procedure)
   return wrk.format("POST", "/api/v1/lookups", {
      ["Content-Type"] = "application/json",
      ["Cookie"] = s.cookie,
      ["X-CSRF-Token"] = s.csrf,
   }, body)
end

function response(status, headers, body)
   counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   for _, t in ipairs(threads) do
      local c = t:get("counts")
      for status, n in pairs(c) do
         total[status] = (total[status] or 0) + n
      end
   end
   for status, n in pairs(total) do
      io.write(string.format("BENCH status %d %d\n", status, n))
   end
   local e = summary.errors
   io.write(string.format("BENCH requests %d\n", summary.requests))
   io.write(string.format("BENCH duration_us %d\n", summary.duration))
   io.write(string.format("BENCH errors connect=%d read=%d write=%d timeout=%d\n",
                          e.connect, e.read, e.write, e.timeout))
   for _, p in ipairs({ 50, 90, 99, 99.9 }) do
      io.write(string.format("BENCH p%s_us %d\n", tostring(p), latency:percentile(p)))
   end
   io.write(string.format("BENCH max_us %d\n", latency.max))
end
