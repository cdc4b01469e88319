-- wrk script for bench/shop_reads.sh: every request is a GET of a random path taken from a file
-- with one path per line, passed after "--":
--   wrk -t1 -c64 -d10s -s bench/shop_paths.lua http://127.0.0.1:PORT -- paths.txt
-- The requests are built once in init() (wrk.format per request would cost client CPU).
local requests = {}

function init(args)
  local file = args[1]
  if file == nil then
    error("usage: wrk ... -s shop_paths.lua URL -- PATHS_FILE")
  end
  for line in io.lines(file) do
    if line ~= "" then
      requests[#requests + 1] = wrk.format("GET", line)
    end
  end
  if #requests == 0 then
    error("no paths in " .. file)
  end
  math.randomseed(os.time())
end

function request()
  return requests[math.random(#requests)]
end
