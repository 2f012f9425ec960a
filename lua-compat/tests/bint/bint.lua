-- The .bint library against AOS 2.0.4's (aos2_0_4_32.wasm, loaded by Eval wrote
-- bint.expected): each case prints `name = value`; an error prints `error` (texts differ:
-- AOS's carry its library's line numbers). Returns the report as one string.
local bint = require('.bint')(256)
local out = {}
local function show(v)
  if bint.isbint(v) then return "bint:" .. tostring(v) end
  local t = math.type(v)
  if t then return t .. ":" .. tostring(v) end
  return type(v) .. ":" .. tostring(v)
end
local function case(name, f, ...)
  local r = table.pack(pcall(f, ...))
  if not r[1] then out[#out + 1] = name .. " = error"; return end
  local parts = {}
  for i = 2, r.n do parts[#parts + 1] = show(r[i]) end
  out[#out + 1] = name .. " = " .. table.concat(parts, ", ")
end

local values = {
  ["0"] = bint(0), ["1"] = bint(1), ["-1"] = bint(-1), ["2"] = bint(2), ["7"] = bint(7),
  ["-7"] = bint(-7), ["3"] = bint(3), ["-3"] = bint(-3), ["big"] = bint("1000000000000000000000000000000"),
  ["max"] = bint.maxinteger and bint.maxinteger() or bint(0), ["min"] = bint.mininteger and bint.mininteger() or bint(0),
}
local names = { "0", "1", "-1", "2", "7", "-7", "3", "-3", "big", "max", "min" }

for _, a in ipairs(names) do
  local x = values[a]
  for _, f in ipairs({ "iseven", "isodd", "isone", "isminusone", "ispos", "iszero", "isneg",
      "inc", "dec", "tonumber", "tointeger", "touinteger", "type", "isintegral", "isnumeric",
      "abs", "floor", "ceil", "trunc", "tobint" }) do
    case(f .. "(" .. a .. ")", function() return bint[f](x) end)
  end
  case("~" .. a, function() return ~x end)
  case("-" .. a, function() return -x end)
  for _, base in ipairs({ 2, 10, 16, 36 }) do
    case("tobase(" .. a .. "," .. base .. ")", function() return bint.tobase(x, base) end)
    case("tobase(" .. a .. "," .. base .. ",false)", function() return bint.tobase(x, base, false) end)
  end
  for _, s in ipairs({ 0, 1, 3, 255, 256, -1, -3 }) do
    case(a .. "<<" .. s, function() return x << s end)
    case(a .. ">>" .. s, function() return x >> s end)
    case("brol(" .. a .. "," .. s .. ")", function() return bint.brol(x, s) end)
    case("bror(" .. a .. "," .. s .. ")", function() return bint.bror(x, s) end)
  end
  for _, y in ipairs({ 0, 1, 2, 3, 5, -1, -2 }) do
    case("ipow(" .. a .. "," .. y .. ")", function() return bint.ipow(x, y) end)
  end
  case("upowmod(" .. a .. ",5,13)", function() return bint.upowmod(x, 5, 13) end)
  for _, b in ipairs(names) do
    local y = values[b]
    local pair = "(" .. a .. "," .. b .. ")"
    for _, f in ipairs({ "udiv", "umod", "tdiv", "tmod", "idivmod", "udivmod", "tdivmod", "ult", "ule", "eq" }) do
      case(f .. pair, function() return bint[f](x, y) end)
    end
    case("band" .. pair, function() return x & y end)
    case("bor" .. pair, function() return x | y end)
    case("bxor" .. pair, function() return x ~ y end)
  end
end
for _, t in ipairs({ "ff", "-ff", "zz", "12", "0", "", "1g" }) do
  case("frombase(" .. t .. ",16)", function() return bint.frombase(t, 16) end)
  case("frombase(" .. t .. ",36)", function() return bint.frombase(t, 36) end)
end
for _, v in ipairs({ 5, -5, 2.5, "42", "0x10", "x" }) do
  case("parse(" .. tostring(v) .. ")", function() return bint.parse(v) end)
  case("fromuinteger(" .. tostring(v) .. ")", function() return bint.fromuinteger(v) end)
  case("isnumeric(" .. tostring(v) .. ")", function() return bint.isnumeric(v) end)
  case("type(" .. tostring(v) .. ")", function() return bint.type(v) end)
end
case("bits", function() return bint.bits end)
case("ipow(2,100)", function() return bint.ipow(2, 100) end)
case("ipow(10,18)", function() return bint.ipow(bint(10), 18) end)
return table.concat(out, "\n")
