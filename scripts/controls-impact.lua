-- controls-impact.lua: what does each exit control do to a guest's exits?
--
--   exitscope tune scripts/controls-impact.lua [backend=kvm] [guest=mixed | image=FILE entry=ADDR] [mode=long]
--        [iterations=500] [repeats=3] [only=KEY,KEY] [skip=KEY,KEY] [param.NAME=VALUE] [set.KEY=VALUE]
--        [duration=30] [cpu_model=NAME]
--
-- Runs the guest with its default controls (the baseline; set.KEY=VALUE adds controls to it), then flips each
-- control the backend supports, one at a time, to a value that changes it (off when the baseline has it on,
-- else the control's example value), with the same repeats. Prints a table ranked by the change in exits per
-- guest iteration, with the verdict of xs.diff (noise-aware), the exit reasons that appear (+) or disappear
-- (-), the change in median time per exit, and whether the guest still completed its iterations. A flip the
-- launcher refuses for this guest, and controls this host does not honour, are listed with the reason. Each row
-- is also printed as one "impact: KEY=VALUE ..." line for other tools.
local xa = dofile((arg[0]:match("^(.*/)") or "./") .. "xsargs.lua")
local opt, params, fixed = xa.parse{backend = "kvm", guest = "mixed", iterations = 500, repeats = 3, duration = 30}
local skip, only = xa.set_of(opt.skip) or {}, xa.set_of(opt.only)

local base = xs.run(xa.run_spec(opt, params, fixed, {}, "baseline"))
if not base.ok then error("the baseline run failed: " .. base.status) end
print(string.format("baseline: %s (%s), %d iterations x %d repeats on %s: %.4g exits per iteration", base.guest,
                    base.mode, base.iterations, base["repeat"], base.backend, base.per_iteration))

-- the value that changes a control from what the baseline has
local function flip(c)
  local current = base.controls[c.name]
  if current and current ~= "none" and current ~= "off" then
    return c.kind == "switch" and "off" or "none"
  end
  return c.example
end

-- median time per exit over all reasons, weighted by count
local function p50(res)
  local all, n = 0, 0
  for _, s in pairs(res.reasons) do
    if s.p50 then all, n = all + s.p50 * s.count, n + s.count end
  end
  return n > 0 and all / n or 0
end

local rows, unsupported = {}, {}
for _, c in ipairs(xs.controls(opt.backend, opt.cpu_model)) do
  if skip[c.name] or (only and not only[c.name]) then
    -- left out on request
  elseif not c.supported then
    unsupported[#unsupported + 1] = c
  elseif flip(c) then
    local value = flip(c)
    local row = {control = c.name .. "=" .. value, appear = {}, gone = {}}
    local r, refused = xa.try_run(xa.run_spec(opt, params, fixed, {[c.name] = value}, row.control))
    row.r, row.refused = r, refused
    if r then
      -- reasons appearing or going are read from the counts, also of a run that did not complete
      local d = xs.diff(base, r)
      for _, x in ipairs(d.rows) do
        if x.dim == "reason" and x.count_a == 0 and x.count_b > 0 then row.appear[#row.appear + 1] = x.key end
        if x.dim == "reason" and x.count_b == 0 and x.count_a > 0 then row.gone[#row.gone + 1] = x.key end
      end
      if r.ok then
        row.delta, row.verdict, row.per_iteration = d.total.delta, d.total.verdict, r.per_iteration
        row.time = p50(r) - p50(base)
      end
    end
    rows[#rows + 1] = row
  end
end

table.sort(rows, function(x, y)
  local dx, dy = x.delta and math.abs(x.delta) or -1, y.delta and math.abs(y.delta) or -1
  if dx ~= dy then return dx > dy end
  return x.control < y.control
end)

print(string.format("\n%-34s %10s %10s %-16s %-8s %-28s %s", "control", "exits/iter", "change", "verdict",
                    "time", "reasons appear / disappear", "guest"))
for _, row in ipairs(rows) do
  local changes = {}
  for _, k in ipairs(row.appear) do changes[#changes + 1] = "+" .. k end
  for _, k in ipairs(row.gone) do changes[#changes + 1] = "-" .. k end
  local reasons = #changes > 0 and table.concat(changes, " ") or "-"
  local tokens = {}
  for i, k in ipairs(changes) do tokens[i] = (k:gsub(" ", "_")) end
  local token_list = #tokens > 0 and table.concat(tokens, ",") or "-"
  if row.delta then
    -- the vmx backend's times are emulated TSC ticks ("t"), not ns
    print(string.format("%-34s %10.4g %+10.4g %-16s %+7.0f%-2s %-28s %s", row.control, row.per_iteration,
                        row.delta, row.verdict, row.time, base.time_unit == "tsc_ticks" and "t" or "ns", reasons,
                        "completed"))
    print(string.format("impact: %s delta=%.6g verdict=%s reasons=%s guest=completed", row.control, row.delta,
                        (row.verdict:gsub(" ", "_")), token_list))
  elseif row.r then
    print(string.format("%-34s %10s %10s %-16s %8s %-28s %s", row.control, "-", "-", "-", "-", reasons,
                        "FAILED: " .. row.r.status))
    print(string.format("impact: %s reasons=%s guest=failed status=%q", row.control, token_list, row.r.status))
  else
    print(string.format("%-34s refused for this guest: %s", row.control, row.refused))
    print(string.format("impact: %s guest=refused why=%q", row.control, row.refused))
  end
end
for _, c in ipairs(unsupported) do
  print(string.format("%-34s not supported here: %s", c.name, c.why or "?"))
end
print("\nrecord.* controls change which exits are recorded, not which exits the guest takes.")
print(string.format("%d controls flipped, %d not supported; session store %s (tune_runs)", #rows, #unsupported,
                    xs.session().store))
