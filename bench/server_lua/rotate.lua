-- bench/server_lua/rotate.lua: a wrk script that POSTs JSON bodies in rotation.
--
-- Usage: wrk [options] -s bench/server_lua/rotate.lua URL -- BODIES_FILE [ORIGIN]
--   BODIES_FILE  one JSON body per line; request i of a thread sends line i (mod the
--                line count), each thread starting at another offset
--   ORIGIN       sent as the Origin header, as a browser on the site would (optional)
-- The requests go to URL's path with Content-Type: application/json. All of them are
-- formatted once in init(), so the Lua cost per request is one table lookup. No
-- response() callback: wrk itself counts statuses >= 400 ("Non-2xx or 3xx responses")
-- and socket errors.

local requests = {}
local count = 0
local next_index = 0
local thread_number = 0

function setup(thread)
    thread:set("thread_id", thread_number)
    thread_number = thread_number + 1
end

function init(args)
    local file = args[1]
    if file == nil then
        error("rotate.lua needs the bodies file: wrk ... -s rotate.lua URL -- BODIES_FILE [ORIGIN]")
    end
    local headers = { ["Content-Type"] = "application/json" }
    if args[2] ~= nil and args[2] ~= "" then
        headers["Origin"] = args[2]
    end
    local handle = assert(io.open(file, "r"))
    for line in handle:lines() do
        if #line > 0 then
            count = count + 1
            requests[count] = wrk.format("POST", wrk.path, headers, line)
        end
    end
    handle:close()
    if count == 0 then
        error("no bodies in " .. file)
    end
    -- Threads start far apart in the list, so they do not send the same bodies in step.
    next_index = ((thread_id or 0) * 7919) % count
end

function request()
    next_index = next_index % count + 1
    return requests[next_index]
end
