-- sweep.lua: sweep one numeric exit control and print the curve (table, CSV, terminal chart).
--
--   exitscope tune scripts/sweep.lua control=KEY [format=TEMPLATE] (values=A,B,C | from=A to=B [step=S | factor=F])
--        [backend=kvm] [guest=mixed | image=FILE entry=ADDR] [mode=long] [iterations=300] [repeats=2]
--        [param.NAME=VALUE ...] [set.KEY=VALUE ...] [expect=increasing|decreasing] [csv=FILE] [duration=30]
--
-- For each value N the control is set to TEMPLATE with %d replaced by N (default "%d"), e.g.
--   control=vmx.preemption_timer format=%d from=1000 to=64000 factor=2
--   control=inject format=irq:0x20@period:%dus values=50,100,200,400
--   control=msr.exit_read format=0x170+%d from=1 to=8 guest=msr
-- set.KEY=VALUE adds fixed controls, param.NAME=VALUE guest parameters. Each point is run `repeats` times;
-- the table gives exits per iteration (mean and sd) and the reasons that make up the change. With expect=,
-- the script fails unless the curve is monotonic in that direction (non-strictly, beyond each point's noise).

local xa = dofile((arg[0]:match("^(.*/)") or "./") .. "xsargs.lua")
local opt, params, fixed = xa.parse{backend = "kvm", guest = "mixed", iterations = 300, repeats = 2,
                                    format = "%d", duration = 30}
if not opt.control then error("give control=KEY (the control to sweep)") end
local function whole(name)
  local n = math.tointeger(tonumber(opt[name]))
  if not n then error(name .. " '" .. tostring(opt[name]) .. "': not a whole number") end
  return n
end

local points = {}
if opt.values then
  for v in opt.values:gmatch("[^,]+") do
    points[#points + 1] = math.tointeger(tonumber(v)) or error("values: '" .. v .. "' is not a whole number")
  end
else
  local from, to = whole("from"), whole("to")
  local step, factor = opt.step and whole("step"), opt.factor and tonumber(opt.factor)
  if factor and factor <= 1 then error("factor must be more than 1") end
  if not factor and (step or 1) <= 0 then error("step must be positive") end
  local v = from
  while v <= to and #points < 200 do
    points[#points + 1] = v
    v = factor and math.max(v + 1, math.floor(v * factor)) or v + (step or 1)
  end
end
if #points < 2 then error("a sweep needs at least two values") end
if opt.expect and opt.expect ~= "increasing" and opt.expect ~= "decreasing" then
  error("expect '" .. opt.expect .. "': use increasing or decreasing")
end

local curve = {}
for _, n in ipairs(points) do
  local value = opt.format:gsub("%%d", tostring(n))
  local spec = xa.run_spec(opt, params, fixed, {[opt.control] = value}, opt.control .. "=" .. value)
  spec.allow_failure = false -- a point whose guest fails has no exits per iteration to plot
  curve[#curve + 1] = {n = n, value = value, r = xs.run(spec)}
end

-- the reasons that vary along the curve
local varying, seen = {}, {}
for _, p in ipairs(curve) do
  for name in pairs(p.r.reasons) do seen[name] = true end
end
for name in pairs(seen) do
  local lo, hi
  for _, p in ipairs(curve) do
    local s = p.r.reasons[name]
    local v = s and s.per_iteration or 0
    lo, hi = math.min(lo or v, v), math.max(hi or v, v)
  end
  if hi > lo then varying[#varying + 1] = name end
end
table.sort(varying)

print(string.format("sweep of %s on guest %s (%s), %d iterations x %d repeats, backend %s", opt.control,
                    curve[1].r.guest, curve[1].r.mode, opt.iterations, opt.repeats, curve[1].r.backend))
local head = string.format("%-28s %12s %10s", "value", "exits/iter", "sd")
for _, name in ipairs(varying) do head = head .. string.format(" %14s", name) end
print(head)
for _, p in ipairs(curve) do
  local line = string.format("%-28s %12.5g %10.3g", p.value, p.r.per_iteration, p.r.sd)
  for _, name in ipairs(varying) do
    local s = p.r.reasons[name]
    line = line .. string.format(" %14.5g", s and s.per_iteration or 0)
  end
  print(line)
end

-- CSV: to a file when asked, else after the table
local csv = {"value,n,exits_per_iteration,sd," .. table.concat(varying, ",")}
for _, p in ipairs(curve) do
  local cells = {string.format("%q", p.value), p.n, string.format("%.6g", p.r.per_iteration),
                 string.format("%.6g", p.r.sd)}
  for _, name in ipairs(varying) do
    local s = p.r.reasons[name]
    cells[#cells + 1] = string.format("%.6g", s and s.per_iteration or 0)
  end
  csv[#csv + 1] = table.concat(cells, ",")
end
if opt.csv then
  local f = assert(io.open(opt.csv, "w"))
  f:write(table.concat(csv, "\n"), "\n")
  f:close()
  print("csv written to " .. opt.csv)
else
  print("\n" .. table.concat(csv, "\n"))
end

-- the chart: one bar per point, scaled to the largest
local top = 0
for _, p in ipairs(curve) do top = math.max(top, p.r.per_iteration) end
print("\nexits per iteration")
for _, p in ipairs(curve) do
  local width = top > 0 and math.floor(p.r.per_iteration / top * 50 + 0.5) or 0
  print(string.format("%12s |%s %.4g", tostring(p.n), string.rep("#", width), p.r.per_iteration))
end

-- monotonic? a step against the direction counts only when it is beyond both points' spread
local up, down = true, true
for i = 2, #curve do
  local a, b = curve[i - 1].r, curve[i].r
  local slack = 2 * (a.sd + b.sd)
  if b.per_iteration < a.per_iteration - slack then up = false end
  if b.per_iteration > a.per_iteration + slack then down = false end
end
local shape = (up and down) and "flat" or up and "increasing" or down and "decreasing" or "not monotonic"
print("monotonic: " .. shape)
if opt.expect and shape ~= opt.expect and shape ~= "flat" then
  error(string.format("expected the exits per iteration to be %s along %s, but the curve is %s", opt.expect,
                      opt.control, shape))
end
if opt.expect and shape == "flat" then
  error(string.format("expected the exits per iteration to be %s along %s, but the curve is flat", opt.expect,
                      opt.control))
end
