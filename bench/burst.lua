-- wrk script for the end-to-end bursts (see bench/README.md): the bodies of deliveries.lua, each sent once.
-- A thread that has sent its whole share stops. Requests that are not deliveries are GETs of a path that mzi
-- answers 404, storing nothing: the one wrk asks for on the connection that finds the share used up, and the
-- one wrk asks thread 0 for before the run to check the script (script_verify_request), which is never sent.
-- Answers still on their way when a thread stops are not read by wrk: run.ts counts the deliveries mzi stored.
--
-- usage: wrk -t T -c C -d D -s bench/burst.lua URL -- TEMPLATE_FILE SIGS_FILE PREFIX T

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "deliveries.lua")

local read_bodies = init
local send_delivery = request
local checking = false

function init(args)
  read_bodies(args)
  checking = tid == 0
end

local function not_a_delivery()
  return wrk.format("GET", "/api/v1/events/burst-sent")
end

function request()
  if checking then
    checking = false
    return not_a_delivery()
  end
  if sent >= bodies then
    wrk.thread:stop()
    return not_a_delivery()
  end
  return send_delivery()
end
