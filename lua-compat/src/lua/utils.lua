-- `.utils`: small curried helpers (aoxide's own implementation of the AOS names).
local utils = { _version = "aoxide" }

local function curry(fn, arity)
  arity = arity or 2
  local function collect(args, n)
    return function(...)
      local all = { table.unpack(args, 1, n) }
      local m = select("#", ...)
      for i = 1, m do all[n + i] = select(i, ...) end
      if n + m >= arity then return fn(table.unpack(all, 1, n + m)) end
      return collect(all, n + m)
    end
  end
  return collect({}, 0)
end
utils.curry = curry

local function isArray(t)
  if type(t) ~= "table" then return false end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  for i = 1, n do if t[i] == nil then return false end end
  return true
end
utils.isArray = isArray

function utils.matchesPattern(pattern, value, msg)
  if pattern == "_" then return value ~= nil end
  if type(pattern) == "function" then return not not pattern(value, msg) end
  if type(pattern) == "table" then
    for _, p in ipairs(pattern) do if utils.matchesPattern(p, value, msg) then return true end end
    return false
  end
  if pattern == value then return true end
  if type(pattern) == "string" and type(value) == "string" then
    if string.lower(pattern) == string.lower(value) then return true end
    local ok, found = pcall(string.match, value, "^" .. pattern .. "$")
    return ok and found ~= nil
  end
  return false
end

function utils.matchesSpec(msg, spec)
  if type(spec) == "function" then return spec(msg) end
  if type(spec) == "string" then return msg.Action == spec end
  if type(spec) == "table" then
    for key, pattern in pairs(spec) do
      if not utils.matchesPattern(pattern, msg[key], msg) then return false end
    end
    return true
  end
  return false
end

utils.map = curry(function(fn, data)
  local out = {}
  for i, v in ipairs(data) do out[i] = fn(v, i) end
  return out
end, 2)

utils.filter = curry(function(fn, data)
  local out = {}
  for _, v in ipairs(data) do if fn(v) then out[#out + 1] = v end end
  return out
end, 2)

utils.reduce = curry(function(fn, initial, data)
  local acc = initial
  for i, v in ipairs(data) do
    if acc == nil and i == 1 then acc = v else acc = fn(acc, v) end
  end
  return acc
end, 3)

utils.find = curry(function(fn, data)
  for _, v in ipairs(data) do if fn(v) then return v end end
  return nil
end, 2)

utils.includes = curry(function(value, data)
  for _, v in ipairs(data) do if v == value then return true end end
  return false
end, 2)

utils.propEq = curry(function(name, value, object) return object[name] == value end, 3)

utils.prop = curry(function(name, object) return object[name] end, 2)

utils.reverse = function(data)
  local out = {}
  for i = #data, 1, -1 do out[#out + 1] = data[i] end
  return out
end

utils.concat = curry(function(a, b)
  local out = {}
  for _, v in ipairs(a) do out[#out + 1] = v end
  for _, v in ipairs(b) do out[#out + 1] = v end
  return out
end, 2)

function utils.compose(...)
  local fns = { ... }
  return function(value)
    for i = #fns, 1, -1 do value = fns[i](value) end
    return value
  end
end

function utils.keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  return out
end

function utils.values(t)
  local out = {}
  for _, v in pairs(t) do out[#out + 1] = v end
  return out
end

return utils
