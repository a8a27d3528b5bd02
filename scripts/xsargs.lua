-- xsargs.lua: what the shipped tuning scripts share (loaded with dofile from beside the script; not a script).
--
-- Arguments are NAME=VALUE. Every script takes:
--   backend=kvm|vmx|auto  cpu_model=NAME  guest=NAME | image=FILE entry=ADDR [load=ADDR]  mode=real|protected|long
--   iterations=N  repeats=N  duration=SECONDS (bound on each run)  param.NAME=VALUE (guest parameters)
--   set.KEY=VALUE (controls every run of the script has, on top of the guest's defaults)
local M = {}

local numeric = {iterations = true, repeats = true, duration = true, entry = true, load = true, max_steps = true,
                 from = true, to = true, step = true}

function M.parse(defaults)
  local opt, params, fixed = {}, {}, {}
  for k, v in pairs(defaults) do opt[k] = v end
  for _, a in ipairs(arg) do
    local k, v = a:match("^([%w_.]+)=(.*)$")
    if not k then error("argument '" .. a .. "': expected NAME=VALUE", 2) end
    if k:match("^param%.") then params[k:sub(7)] = v
    elseif k:match("^set%.") then fixed[k:sub(5)] = v
    elseif numeric[k] then
      opt[k] = math.tointeger(tonumber(v)) or error(k .. " '" .. v .. "': not a whole number", 2)
    else opt[k] = v end
  end
  if opt.image then opt.guest = nil end
  return opt, params, fixed
end

-- comma-separated names as a set (nil for an empty list)
function M.set_of(list)
  if not list or list == "" then return nil end
  local s = {}
  for item in list:gmatch("[^,]+") do s[item] = true end
  return s
end

-- xs.run's table for one configuration: the script's fixed controls, then `controls`
function M.run_spec(opt, params, fixed, controls, label)
  local all = {}
  for k, v in pairs(fixed) do all[k] = v end
  for k, v in pairs(controls or {}) do all[k] = v end
  return {backend = opt.backend, cpu_model = opt.cpu_model, guest = opt.guest, image = opt.image, entry = opt.entry,
          load = opt.load, mode = opt.mode, iterations = opt.iterations, repeats = opt.repeats,
          duration = opt.duration, controls = all, params = params, allow_failure = true, label = label}
end

-- run, turning a configuration the launcher refuses into (nil, message) instead of an error
function M.try_run(spec)
  local ok, r = pcall(xs.run, spec)
  if ok then return r end
  if tostring(r):find("timeout: the script ran longer than", 1, true) then error(r, 0) end
  return nil, (tostring(r):gsub("^.-xs%.run: ", ""))
end

return M
