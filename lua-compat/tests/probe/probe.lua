-- A Lua 5.3 semantics probe: each case prints `name = value`; errors print their message
-- without the chunk position (chunk names differ between hosts). The chunk returns the
-- whole report as one string, so it runs the same as a file, through Eval, or in AOS.
local cases = {}
local function case(name, f) cases[#cases + 1] = { name, f } end

-- Drops leading `chunk:line: ` positions (there may be several).
local function strip(e)
  local before
  repeat
    before = e
    e = e:gsub("^[^:\n]*:%d+: ", "")
  until e == before
  return e
end

local function show(...)
  local n = select("#", ...)
  local out = {}
  for i = 1, n do
    local v = select(i, ...)
    local t = math.type(v)
    if t then out[i] = t .. ":" .. tostring(v)
    elseif type(v) == "string" then out[i] = string.format("%q", strip(v))
    elseif type(v) == "table" then out[i] = "table"
    else out[i] = tostring(v) end
  end
  return table.concat(out, ", ")
end

-- integers and floats
case("idiv", function() return 7 // 2, 7.0 // 2, -7 // 2, 7 // -2.0 end)
case("mod", function() return 7 % -3, -7 % 3, 7.5 % 2, -7.5 % 2, 5 % math.huge end)
case("div", function() return 10 / 2, 1 / 0, -1 / 0, 3 / 2 end)
case("pow", function() return 2 ^ 53, 2 ^ 0.5, (-8) ^ (1 / 3) ~= (-8) ^ (1 / 3) end)
case("eq", function() return 3 == 3.0, math.type(3), math.type(3.0), math.type("3") end)
case("tostring-float", function() return tostring(1e15), tostring(1e16), tostring(2 ^ 63), tostring(-0.0), tostring(0.1 + 0.2) end)
case("tostring-int", function() return tostring(100000000000000), tostring(math.maxinteger), tostring(math.mininteger) end)
case("wrap", function() return math.maxinteger + 1 == math.mininteger, math.maxinteger * 2, math.mininteger - 1, math.mininteger // -1 end)
case("bits", function() return 3 | 5, 3 & 5, 3 ~ 5, ~0, 1 << 63, 1 << 64, -1 >> 1, 2 >> -1 end)
case("coerce", function() return "10" + 1, "3.0" + 1, "0x10" + 0, 10 // "3", 1 .. 2 end)
case("tointeger", function() return math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), 3.0 | 0 end)
case("float-to-int-error", function() return 3.5 | 0 end)
case("int-div-zero", function() return 1 // 0 end)
case("int-mod-zero", function() return 1 % 0 end)
case("float-div-zero", function() return 5 // 0.0, -5 % 0.0 ~= -5 % 0.0 end)
case("math", function() return math.floor(3.7), math.ceil(-3.5), math.abs(math.mininteger), math.fmod(-7, 3), math.fmod(7, -3), math.ult(1, -1), math.max(1, 2.5), math.min(3) end)
case("math-float", function() return math.huge, -math.huge, math.sqrt(2), math.floor(-0.5), math.fmod(7.5, 2) end)
case("tonumber", function() return tonumber("0x1p4"), tonumber("10", 2), tonumber("z", 36), tonumber("  5  "), tonumber("5x"), tonumber(""), tonumber("1e2"), tonumber("0x"), tonumber(nil) end)

-- string.format
case("format-num", function() return string.format("%5.2f|%-5d|%x|%X|%o|%e|%g|%g|%i", 3.14159, 42, 255, 255, 8, 12345.678, 1e20, 0.1, 7) end)
case("format-str", function() return string.format("%q", "a\nb\0c\"\\"), string.format("[%10s][%-4s][%.3s]", "hi", "ab", "abcdef"), string.format("%c%c", 72, 105) end)
case("format-int", function() return string.format("%d", 3.0), string.format("%d", math.mininteger), string.format("%5.1s|", "xyz"), string.format("%%") end)
case("format-error", function() return string.format("%d", 3.5) end)
case("format-q-num", function() return string.format("%q", 1 / 3), string.format("%q", math.mininteger), string.format("%.14g", 2 ^ 63) end)

-- patterns
case("match", function() return string.match("hello world", "(%w+) (%w+)") end)
case("gsub", function() return string.gsub("hello world", "(%w+)", "<%1>"), string.gsub("abc", "", "-"), string.gsub("hello", "l", { l = "L" }) end)
case("frontier", function() return string.gsub("THE (quick) fox", "%f[%a]%a+", "W") end)
case("balanced", function() return string.match("f(a(b)c) x", "%b()"), string.find("a.b", ".", 1, true), string.find("abc", "b", -1) end)
case("gmatch", function()
  local n, s = 0, ""
  for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do n = n + 1 s = s .. k .. v end
  return n, s
end)
case("find-captures", function() return string.find("key = value", "(%w+)%s*=%s*(%w+)") end)
case("pattern-error", function() return string.find("x", "[a") end)
case("position-capture", function() return string.match("hello", "()ll()") end)
case("string-misc", function() return ("x"):rep(3, ","), string.byte("ABC", 1, -1), string.char(97, 98), ("abc"):reverse(), ("MiXeD"):lower(), #"\u{10FFFF}" end)
case("string-compare", function() return "a" < "b", "Z" < "a", "abc" < "abd", "" < "a", "10" < "9" end)
case("string-sub", function() return ("hello"):sub(2), ("hello"):sub(-3, -2), ("hello"):sub(0), ("hello"):sub(10), ("hello"):sub(3, 2) end)

-- utf8
case("utf8", function() return utf8.char(72, 228, 8364, 128512), utf8.len("häé€"), utf8.codepoint("häé", 1, -1) end)
case("utf8-offset", function() return utf8.offset("häé", 3), utf8.len("\xff"), string.byte(utf8.charpattern, 1, -1) end)
case("utf8-codes", function()
  local s = ""
  for p, c in utf8.codes("aé€") do s = s .. p .. ":" .. c .. " " end
  return s
end)

-- string.pack
case("pack", function() return string.pack("<i4", 100):byte(1, -1) end)
case("pack-more", function() return string.unpack("<i2", "\1\2"), string.packsize("i4i8"), string.pack(">I2", 258):byte(1, -1) end)
case("pack-str", function() return string.unpack("z", string.pack("z", "ab")), string.unpack("s1", string.pack("s1", "abc")), string.unpack("<d", string.pack("<d", 1.5)) end)
case("pack-error", function() return string.pack("i17", 1) end)
case("pack-overflow", function() return string.pack("i1", 200) end)

-- coroutines
case("yield-across-pcall", function()
  local co = coroutine.wrap(function()
    local ok, v = pcall(function() local x = coroutine.yield(1) return x * 2 end)
    coroutine.yield(ok, v)
    return "done"
  end)
  return co(), co(21), co()
end)
case("coroutine-status", function()
  local co
  co = coroutine.create(function() return coroutine.status(co), coroutine.isyieldable() end)
  local ok, s, y = coroutine.resume(co)
  return ok, s, y, coroutine.status(co), coroutine.resume(co)
end)
case("coroutine-error", function()
  local co = coroutine.create(function() error({ code = 9 }) end)
  local ok, e = coroutine.resume(co)
  return ok, type(e), e.code, coroutine.status(co)
end)
case("wrap-error", function() return coroutine.wrap(function() error("boom") end)() end)
case("running", function() local co, main = coroutine.running() return type(co), main end)

-- errors
case("error-table", function() local ok, e = pcall(error, { code = 1 }) return ok, e.code end)
case("error-level0", function() return pcall(error, "plain", 0) end)
case("error-nil", function() return pcall(error) end)
case("error-number", function() local ok, e = pcall(error, 42) return ok, e end)
case("xpcall", function() return xpcall(function() error("x", 0) end, function(m) return "handled " .. m end) end)
case("xpcall-args", function() return xpcall(function(a, b) return a + b end, print, 2, 3) end)
case("arith-error", function() return {} + 1 end)
case("index-error", function() local t = nil return t.x end)
case("call-error", function() local x = 1 return x() end)
case("concat-error", function() return "a" .. {} end)
case("compare-error", function() return {} < {} end)
case("tostring-error-metamethod", function() return tostring(setmetatable({}, { __tostring = function() return "custom" end })) end)

-- goto and scoping
case("goto", function()
  local out = {}
  for i = 1, 5 do
    if i % 2 == 0 then goto continue end
    out[#out + 1] = i
    ::continue::
  end
  return table.concat(out, ",")
end)
case("goto-nested", function()
  local i = 0
  ::top::
  i = i + 1
  if i < 3 then goto top end
  return i
end)
case("closures", function()
  local fs = {}
  for i = 1, 3 do fs[i] = function() return i end end
  return fs[1](), fs[2](), fs[3]()
end)

-- tables and varargs
case("table", function()
  local t = { 5, 2, 8, 1 }
  table.sort(t, function(a, b) return a > b end)
  table.insert(t, 2, 9)
  return table.concat(t, ","), table.remove(t), table.concat(table.move({ 1, 2, 3 }, 1, 3, 2), ",")
end)
case("unpack", function() return table.unpack({ 1, nil, 3 }, 1, 3) end)
case("select", function() return select("#", nil, nil), select(-1, 1, 2, 3), select(2, "a", "b", "c") end)
case("sort-error", function() table.sort({ 3, 1, 2 }, function(a, b) return true end) return "sorted" end)
case("length", function() return #{ 1, 2, 3 }, #"abc", #setmetatable({}, { __len = function() return 7 end }) end)
case("next", function() return next({}), type(next), rawlen({ 1, 2 }), rawequal("a", "a") end)
case("metamethods", function()
  local mt = { __index = function(t, k) return k .. "!" end, __call = function(self, x) return x + 1 end,
               __concat = function(a, b) return "cat" end, __eq = function() return true end,
               __lt = function() return true end, __le = function() return false end,
               __unm = function() return "neg" end, __idiv = function() return "idiv" end,
               __band = function() return "band" end, __shl = function() return "shl" end }
  local a, b = setmetatable({}, mt), setmetatable({}, mt)
  return a.key, a(1), a .. "x", a == b, a < b, a <= b, -a, a // 1, a & 1, a << 1
end)
case("integer-keys", function() local t = {} t[1.0] = "a" t[2] = "b" return t[1], #t, next({ [2.0] = 1 }) end)
case("string-keys", function() local t = { ["1"] = "s", [1] = "i" } return t["1"], t[1] end)

-- loading
case("load", function() return load("return 1 + ...")(2), load("syntax error here") end)
case("load-env", function() return load("return x", "chunk", "t", { x = "from env" })() end)
case("load-function", function()
  local parts, i = { "return ", "4", "2" }, 0
  return load(function() i = i + 1 return parts[i] end)()
end)
case("bit32", function() return bit32 and bit32.band(12, 10), bit32 and bit32.lshift(1, 4), bit32 and bit32.bnot(0) end)
case("version", function() return _VERSION end)
case("numeric-for", function()
  local n = 0
  for i = 1, 3, 0.5 do n = n + 1 end
  for i = 3, 1, -1 do n = n + 1 end
  return n
end)
case("string-to-number-compare", function() return pcall(function() return 1 < "2" end) end)
case("integer-float-keys-format", function() return string.format("%.3f", 2 / 3), string.format("%5.1f|", -0.05), string.format("%g", 2 ^ 63), string.format("%.0f", 0.5), string.format("%.0f", 1.5) end)

local lines = {}
for _, c in ipairs(cases) do
  local result = table.pack(pcall(c[2]))
  local text
  if result[1] then
    text = show(table.unpack(result, 2, result.n))
  else
    local e = result[2]
    if type(e) == "string" then e = strip(e) end
    text = "error: " .. (type(e) == "string" and e or type(e))
  end
  lines[#lines + 1] = c[1] .. " = " .. text
end
return table.concat(lines, "\n")
