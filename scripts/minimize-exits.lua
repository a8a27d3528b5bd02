-- minimize-exits.lua: the control set with the fewest exits per guest iteration that still shows what you need.
--
--   exitscope tune scripts/minimize-exits.lua [backend=kvm] [guest=mixed | image=FILE entry=ADDR] [mode=long]
--        [iterations=300] [repeats=2] [require=port:0x3f8,msr:0x174,reason:HLT,vector:3] [out=minimal.ctl]
--        [max_steps=8] [only=KEY,KEY] [param.NAME=VALUE] [set.KEY=VALUE] [duration=30] [cpu_model=NAME]
--
-- Greedy descent from the guest's default controls: at each step every supported control (record.* left out:
-- they change what is recorded, not the exits taken) is tried at its "off" value and at its example value on
-- top of the current set (only=: just these controls); the candidate with the fewest exits per iteration wins if it keeps every
-- requirement, the guest still completes its iterations, and xs.diff calls it significantly fewer exits than
-- the current set. It stops when no candidate improves. Prints the path taken and writes the winning set as a
-- control file for `exitscope run --controls`.
--
-- Requirements (comma-separated): port:N (I/O exits on port N are still seen), msr:N (MSR N still exits),
-- reason:NAME (exits of that reason still happen), vector:N (vector N still exits). The guest completing its
-- iterations is always required.

local xa = dofile((arg[0]:match("^(.*/)") or "./") .. "xsargs.lua")
local opt, params, fixed = xa.parse{backend = "kvm", guest = "mixed", iterations = 300, repeats = 2,
                                    out = "minimal.ctl", max_steps = 8, duration = 30, require = ""}
local only = xa.set_of(opt.only)

local requirements = {}
for item in opt.require:gmatch("[^,]+") do
  local kind, what = item:match("^(%a+):(.+)$")
  local tables = {port = "ports", msr = "msrs", vector = "vectors", reason = "reasons"}
  if not kind or not tables[kind] then
    error("require '" .. item .. "': use port:N, msr:N, reason:NAME or vector:N")
  end
  local key = kind == "reason" and what or math.tointeger(tonumber(what))
  if key == nil then error("require '" .. item .. "': '" .. what .. "' is not a number") end
  requirements[#requirements + 1] = {text = item, table = tables[kind], key = key}
end

-- does a result keep every requirement? (false, and the first one broken)
local function holds(r)
  if not r.ok then return false, "guest did not complete: " .. r.status end
  for _, q in ipairs(requirements) do
    local seen = r[q.table][q.key]
    if not seen or seen.count == 0 then return false, q.text .. " no longer seen" end
  end
  return true
end

local function run(controls, label)
  return xa.try_run(xa.run_spec(opt, params, fixed, controls, label))
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function describe(changes)
  local keys = {}
  for k in pairs(changes) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. changes[k] end
  return #parts > 0 and table.concat(parts, " ") or "(guest defaults)"
end

-- candidate values per control: off, then the example
local candidates = {}
for _, c in ipairs(xs.controls(opt.backend, opt.cpu_model)) do
  if c.supported and not c.name:match("^record%.") and (not only or only[c.name]) then
    local off = c.kind == "switch" and "off" or "none"
    candidates[#candidates + 1] = {name = c.name, values = c.example == off and {off} or {off, c.example}}
  end
end

local changes = {}
local current, refused = run(changes, "start")
if not current then error("the starting set is refused: " .. refused) end
local ok, why = holds(current)
if not ok then error("the guest's default controls already break a requirement: " .. why) end
print(string.format("start: %s: %.4g exits per iteration", describe(changes), current.per_iteration))
print(string.format("requirements: guest completes%s%s", #requirements > 0 and ", " or "",
                    table.concat((function()
                      local t = {}
                      for i, q in ipairs(requirements) do t[i] = q.text end
                      return t
                    end)(), ", ")))

for step = 1, opt.max_steps do
  local best, best_change
  for _, c in ipairs(candidates) do
    for _, value in ipairs(c.values) do
      if changes[c.name] ~= value and current.controls[c.name] ~= value then
        local trial = copy(changes)
        trial[c.name] = value
        local r, why_refused = run(trial, "step " .. step .. ": " .. c.name .. "=" .. value)
        local keeps, broken = false, why_refused
        if r then keeps, broken = holds(r) end
        if not keeps then
          xs.log(string.format("step %d: %s=%s rejected: %s", step, c.name, value, broken))
        elseif not best or r.per_iteration < best.per_iteration then
          best, best_change = r, {name = c.name, value = value}
        end
      end
    end
  end
  if not best then break end
  local d = xs.diff(current, best)
  if d.total.verdict ~= "fewer" then
    print(string.format("step %d: best candidate %s=%s gives %.4g exits per iteration: %s, not fewer; stop", step,
                        best_change.name, best_change.value, best.per_iteration, d.total.verdict))
    break
  end
  changes[best_change.name] = best_change.value
  print(string.format("step %d: %s=%s: %.4g -> %.4g exits per iteration (%s, runs %s)", step, best_change.name,
                      best_change.value, current.per_iteration, best.per_iteration, d.total.verdict,
                      table.concat(best.runs, ",")))
  current = best
end

xs.write_controls(opt.out, current.controls)
print(string.format("minimal: %.4g exits per iteration (%d exits per run of %d iterations) with %s",
                    current.per_iteration, math.floor(current.exits + 0.5), current.iterations, describe(changes)))
print(string.format("wrote %s: exitscope run --guest %s --iterations %d --controls %s", opt.out, current.guest,
                    current.iterations, opt.out))
