-- os.date against Lua 5.3.6 on glibc (`TZ=UTC lua5.3 date.lua` wrote date.expected): every
-- conversion Lua 5.3 accepts, at times around the epoch, leap days, week-year edges and the
-- year range, "*t" tables, and the errors. Returns the report as one string.
local out = {}
local function say(...)
  local parts = table.pack(...)
  for i = 1, parts.n do parts[i] = tostring(parts[i]) end
  out[#out + 1] = table.concat(parts, "\t")
end
local function try(f, ...)
  local ok, err = pcall(f, ...)
  if ok then return "ok", err end
  return "error", (tostring(err):gsub("^[^:\n]*:%d+: ", ""))
end

local times = { 0, 86399, 951782400, 1700000000, -86400, 4102444800, 253402300799,
  -62135596800, 1234567890, 1230681600, 1104451200, -62167219200, 32503680000 }
local formats = {
  "!%a %A %b %B %d %e %H %I %j %m %M %p %S %u %w %y %Y %C %g %G %V %U %W",
  "!%D %F %R %T %r %x %X %c %h %n%t %z %Z %%",
  "!%Ec %EC %Ex %EX %Ey %EY %Od %Oe %OH %OI %Om %OM %OS %Ou %OU %OV %Ow %OW %Oy",
  "%c %Z", "plain text", "",
}
for _, t in ipairs(times) do
  for _, f in ipairs(formats) do say(t, f:sub(1, 3), os.date(f, t)) end
  local d = os.date("!*t", t)
  say(t, d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)
  local keys = {}
  for k in pairs(os.date("*t", t)) do keys[#keys + 1] = k end
  table.sort(keys)
  say(t, table.concat(keys, ","))
end
for _, f in ipairs({ "%Q", "%E", "%Ez abc", "%", "%O", "ok %s" }) do say(f, try(os.date, f, 0)) end
say(try(os.date, "!%Y", 1.5))
say(try(os.date, "!%Y", "10"))
say(try(os.date, "!%Y", {}))
say(try(os.date, "!%Y", 2^62))
say(try(os.date, "!%Y", -67768040609740800))
say(try(os.date, "!%Y", -67768040609740801))
say(try(os.date, 5, 0))
say(try(os.date, {}, 0))
say(try(os.date, "!%Y-%m-%d", 3.0))
return table.concat(out, "\n")
