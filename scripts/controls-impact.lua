-- controls-impact.lua: what does each exit control do to a guest's exits?
--
--   exitscope tune scripts/controls-impact.lua [backend=kvm] [guest=mixed] [mode=long] [iterations=500]
--                                               [repeats=3] [skip=KEY,KEY] [only=KEY,KEY] [duration=30]
--
-- Runs the guest with its default controls (the baseline), then flips each control the backend supports,
-- one at a time, to a value that changes it (off when the baseline has it on, else the control's example
-- value), with the same repeats. Prints a table ranked by the change in exits per guest iteration, with the
-- verdict of xs.diff (noise-aware), the exit reasons that appear or disappear, the change in median time per
-- exit, and whether the guest still completed its iterations. Controls this host does not honour are listed
-- with the reason. Each line of the table is also printed as "impact: KEY=VALUE ..." for other tools.

local opt = {backend = "kvm", guest = "mixed", iterations = 500, repeats = 3, duration = 30}
for _, a in ipairs(arg) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if not k then error("argument '" .. a .. "': expected NAME=VALUE") end
  opt[k] = tonumber(v) or v
end
local function set_of(list)
  local s = {}
  for item in tostring(list or ""):gmatch("[^,]+") do s[item] = true end
  return s
end
local skip, only = set_of(opt.skip), opt.only and set_of(opt.only)

local function run(controls, label)
  return xs.run{backend = opt.backend, guest = opt.guest, mode = opt.mode, iterations = opt.iterations,
                repeats = opt.repeats, controls = controls, duration = opt.duration, allow_failure = true,
                label = label}
end

-- the value that changes a control from what the baseline has
local function flip(c, baseline)
  local current = baseline.controls[c.name]
  if current and current ~= "none" and current ~= "off" then
    return c.kind == "switch" and "off" or "none"
  end
  return c.example or (c.kind == "switch" and "on") or nil
end

local base = run({}, "baseline")
if not base.ok then error("the baseline run failed: " .. base.status) end
print(string.format("baseline: guest %s (%s), %d iterations x %d repeats on %s: %.4g exits per iteration",
                    base.guest, base.mode, base.iterations, base["repeat"], base.backend, base.per_iteration))

local rows, unsupported = {}, {}
for _, c in ipairs(xs.controls(opt.backend, opt.cpu_model)) do
  if skip[c.name] or (only and not only[c.name]) then
    -- left out on request
  elseif not c.supported then
    unsupported[#unsupported + 1] = c
  else
    local value = flip(c, base)
    if value then
      local r = run({[c.name] = value}, c.name .. "=" .. value)
      local row = {control = c.name .. "=" .. value, r = r, appear = {}, gone = {}}
      if r.ok then
        local d = xs.diff(base, r)
        row.delta, row.verdict, row.per_iteration = d.total.delta, d.total.verdict, r.per_iteration
        for _, x in ipairs(d.rows) do
          if x.dim == "reason" and x.count_a == 0 and x.count_b > 0 then row.appear[#row.appear + 1] = x.key end
          if x.dim == "reason" and x.count_b == 0 and x.count_a > 0 then row.gone[#row.gone + 1] = x.key end
        end
        local p50 = function(res)
          local all, n = 0, 0
          for _, s in pairs(res.reasons) do
            if s.p50 then all, n = all + s.p50 * s.count, n + s.count end
          end
          return n > 0 and all / n or 0
        end
        row.time = p50(r) - p50(base)
      end
      rows[#rows + 1] = row
    end
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
  if row.delta then
    print(string.format("%-34s %10.4g %+10.4g %-16s %+7.0fns %-28s %s", row.control, row.per_iteration,
                        row.delta, row.verdict, row.time, reasons, "completed"))
    local tokens = {}
    for i, k in ipairs(changes) do tokens[i] = (k:gsub(" ", "_")) end
    print(string.format("impact: %s delta=%.6g verdict=%s reasons=%s guest=completed", row.control, row.delta,
                        (row.verdict:gsub(" ", "_")), #tokens > 0 and table.concat(tokens, ",") or "-"))
  else
    print(string.format("%-34s %10s %10s %-16s %8s %-28s %s", row.control, "-", "-", "-", "-", "-",
                        "FAILED: " .. row.r.status))
    print(string.format("impact: %s guest=failed status=%q", row.control, row.r.status))
  end
end
for _, c in ipairs(unsupported) do
  print(string.format("%-34s not supported here: %s", c.name, c.why or "?"))
end
print("\nrecord.* controls change which exits are recorded, not which exits the guest takes.")
print(string.format("%d controls flipped, %d not supported; session store %s (tune_runs)", #rows, #unsupported,
                    xs.session().store))
