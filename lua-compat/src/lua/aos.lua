-- The AOS environment of aoxide's Lua layer (aoxide's own implementation of the
-- documented AOS surface). Loaded once per VM with the host table `H` (functions the Rust
-- side swaps in for every call) and `A` (the internal API the Rust side calls).
local H, A = ...

-- `load` takes text chunks only: precompiled bytecode from a message could break the VM.
do
  local raw = load
  load = function(chunk, name, mode, ...)
    if select("#", ...) > 0 then return raw(chunk, name, "t", ...) end
    return raw(chunk, name, "t")
  end
end

local json = require("json")
local rawresume = coroutine.resume
local utils = require(".utils")

local function copy(t)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  return out
end

local function sortedKeys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

-- print: into Output.data, values joined by tabs like Lua's print.
function print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    local v = select(i, ...)
    if type(v) == "table" then
      local ok, text = pcall(json.encode, v)
      parts[i] = ok and text or tostring(v)
    else
      parts[i] = tostring(v)
    end
  end
  H.print(table.concat(parts, "\t"))
end

Colors = { red = "\27[31m", green = "\27[32m", blue = "\27[34m", gray = "\27[90m", reset = "\27[0m" }
Errors = Errors or {}
Inbox = Inbox or {}
MaxInbox = MaxInbox or 10000
Utils = utils

-- ao ------------------------------------------------------------------------------------
ao = ao or {}
ao._version = "aoxide"
ao.authorities = ao.authorities or {}
ao.outbox = { Output = {}, Messages = {}, Spawns = {}, Assignments = {} }

local forbidden = {
  ["Data-Protocol"] = true, Variant = true, ["From-Process"] = true, ["From-Module"] = true,
  Type = true, From = true, Owner = true, Anchor = true, Target = true, Data = true,
  Tags = true, ["Read-Only"] = true, Id = true,
}

-- Each run of letters and digits with its first letter upper-cased. Most tag names already
-- are (no run starts with a lower-case letter): those are returned as they are, without
-- the gsub and its callback per word.
local hasLowerWord, hasMagic = H.lowerword, H.magic
local function titleCase(name)
  if type(name) == "string" then
    if not hasLowerWord(name) then return name end
  elseif not string.find(name, "%f[%w]%l") then
    return name
  end
  return (string.gsub(name, "(%w)(%w*)", function(first, rest) return string.upper(first) .. rest end))
end

-- Tags onto top-level fields (also under their Title-Case names); never over a message field.
function ao.normalize(msg)
  for _, tag in ipairs(msg.TagArray or msg.Tags or {}) do
    if type(tag) == "table" and tag.name and not forbidden[tag.name] then
      if msg[tag.name] == nil then msg[tag.name] = tag.value end
      local title = titleCase(tag.name)
      if msg[title] == nil and not forbidden[title] then msg[title] = tag.value end
    end
  end
  return msg
end

-- Drops the fields a forwarded message must not carry over.
function ao.sanitize(msg)
  local out = {}
  for k, v in pairs(msg) do
    if not forbidden[k] and k ~= "TagArray" and type(v) ~= "function" then out[k] = v end
  end
  return out
end

function ao.clone(value, seen)
  if type(value) ~= "table" then return value end
  seen = seen or {}
  if seen[value] then return seen[value] end
  local out = {}
  seen[value] = out
  for k, v in pairs(value) do out[ao.clone(k, seen)] = ao.clone(v, seen) end
  return setmetatable(out, getmetatable(value))
end

-- As AOS 2.0.4: trusted when the sender or the signer is an authority (none without
-- authorities). Which messages the process takes is the runtime's rule, not this.
function ao.isTrusted(msg)
  for _, authority in ipairs(ao.authorities) do
    if msg.Owner == authority or msg.From == authority then return true end
  end
  return false
end

local function tagText(name, value)
  local kind = type(value)
  if kind == "string" then return value end
  if kind == "number" or kind == "boolean" then return tostring(value) end
  if kind == "table" then return value end -- JSON-valued tag (patch@1.0)
  error("tag `" .. tostring(name) .. "` has a " .. kind .. " value", 3)
end

-- Flattens an AOS message table into (target, data, tag list).
local function flatten(msg, what)
  if type(msg) ~= "table" then error(what .. " expects a table, got " .. type(msg), 3) end
  local tags = {}
  local seen = {}
  for _, key in ipairs(sortedKeys(msg)) do
    if key ~= "Target" and key ~= "Data" and key ~= "Tags" then
      local v = msg[key]
      if type(v) ~= "function" then
        tags[#tags + 1] = { name = key, value = tagText(key, v) }
        seen[key] = true
      end
    end
  end
  if type(msg.Tags) == "table" then
    if #msg.Tags > 0 then
      for _, tag in ipairs(msg.Tags) do
        tags[#tags + 1] = { name = tostring(tag.name), value = tagText(tag.name, tag.value) }
      end
    else
      for _, key in ipairs(sortedKeys(msg.Tags)) do
        if not seen[key] then tags[#tags + 1] = { name = key, value = tagText(key, msg.Tags[key]) } end
      end
    end
  end
  local data = msg.Data
  if type(data) == "table" then
    data = json.encode(data)
    local typed = false
    for _, tag in ipairs(tags) do if tag.name == "Content-Type" then typed = true end end
    if not typed then tags[#tags + 1] = { name = "Content-Type", value = "application/json" } end
  elseif data ~= nil then
    data = tostring(data)
  end
  if msg.Target ~= nil and type(msg.Target) ~= "string" then error(what .. ": Target must be a string", 3) end
  return msg.Target, data, tags
end

local function pending(sent, from, ref, extra)
  sent.onReply = function(fn)
    local pattern = { From = from, ["X-Reference"] = ref }
    for k, v in pairs(extra or {}) do pattern[k] = v end
    Handlers.once(pattern, fn)
  end
  sent.receive = function()
    local pattern = { From = from, ["X-Reference"] = ref }
    for k, v in pairs(extra or {}) do pattern[k] = v end
    return Handlers.receive(pattern)
  end
  return sent
end

function ao.send(msg)
  local target, data, tags = flatten(msg, "ao.send")
  local ref = H.post(target, data, tags) or H.send(target, data, tags)
  local sent = { Target = target, Data = data, Tags = tags, Reference = tostring(ref) }
  for _, tag in ipairs(tags) do sent[tag.name] = tag.value end
  ao.outbox.Messages[#ao.outbox.Messages + 1] = sent
  return pending(sent, target, tostring(ref))
end

function ao.spawn(module, msg)
  if type(module) ~= "string" then error("ao.spawn: module must be a string", 2) end
  local _, data, tags = flatten(msg or {}, "ao.spawn")
  local ref = H.spawn(module, data, tags)
  local spawned = { Data = data, Tags = tags, Reference = tostring(ref) }
  ao.outbox.Spawns[#ao.outbox.Spawns + 1] = spawned
  return pending(spawned, ao.id, tostring(ref), { Action = "Spawned" })
end

function ao.assign(assignment)
  if type(assignment) ~= "table" or type(assignment.Processes) ~= "table"
      or type(assignment.Message) ~= "string" then
    error("ao.assign expects { Processes = {...}, Message = id }", 2)
  end
  H.assign(assignment.Processes, assignment.Message)
  ao.outbox.Assignments[#ao.outbox.Assignments + 1] = assignment
end

function ao.log(value)
  if type(value) == "table" then value = json.encode(value) end
  H.log(tostring(value))
end

function ao.result(result) return result end

-- Forgets what this message sent so far (messages, spawns, assignments), on both sides;
-- printed output and the reference counter stay, as in AOS.
function ao.clearOutbox()
  H.clear()
  ao.outbox = { Output = {}, Messages = {}, Spawns = {}, Assignments = {} }
end

Send = function(msg) return ao.send(msg) end
Spawn = function(module, msg) return ao.spawn(module, msg) end
Assign = function(assignment) return ao.assign(assignment) end

-- Handlers ------------------------------------------------------------------------------
Handlers = { _version = "aoxide", list = {}, onceNonce = 0, utils = {} }
local entries = {}

-- Handlers.list changes are recorded per message so a failed message restores them.
local saved = nil
local function touch()
  if saved == nil then saved = { list = copy(Handlers.list), entries = copy(entries) } end
end
function A.commit() saved = nil end
function A.rollback()
  if saved ~= nil then
    Handlers.list = saved.list
    entries = saved.entries
    saved = nil
  end
end

local function runsOf(maxRuns)
  if maxRuns == nil or maxRuns == "inf" then return 0 end
  if type(maxRuns) ~= "number" or maxRuns < 1 or math.floor(maxRuns) ~= maxRuns then
    error("maxRuns must be a positive integer or \"inf\"", 3)
  end
  return math.tointeger(maxRuns)
end

local function indexOf(name)
  for i, h in ipairs(Handlers.list) do if h.name == name then return i end end
  return nil
end

local function place(op, name, pattern, handle, maxRuns, anchor)
  if type(name) ~= "string" then error("Handlers." .. op .. ": name must be a string", 3) end
  if type(handle) ~= "function" and not (type(handle) == "table" and getmetatable(handle)
      and getmetatable(handle).__call) then
    error("Handlers." .. op .. ": handle must be a function", 3)
  end
  local ptype = type(pattern)
  if ptype ~= "string" and ptype ~= "table" and ptype ~= "function" then
    error("Handlers." .. op .. ": pattern must be a string, a table or a function", 3)
  end
  local runs = runsOf(maxRuns)
  touch()
  local entry = { name = name, pattern = pattern, handle = handle, maxRuns = maxRuns }
  local at = indexOf(name)
  if at and (op == "add" or op == "append" or op == "prepend") then
    Handlers.list[at] = entry
  else
    if at then table.remove(Handlers.list, at) end
    if op == "prepend" then
      table.insert(Handlers.list, 1, entry)
    elseif op == "before" or op == "after" then
      -- A number names the handler its text names, as in the registry.
      local i = indexOf(type(anchor) == "number" and tostring(anchor) or anchor)
      if i == nil then
        Handlers.list[#Handlers.list + 1] = entry
      else
        table.insert(Handlers.list, op == "before" and i or i + 1, entry)
      end
    else
      Handlers.list[#Handlers.list + 1] = entry
    end
  end
  entries[name] = entry
  if not H.place(op, name, anchor, runs) then H.edit(op, name, anchor, runs) end
  return #Handlers.list
end

-- add(name, pattern, handle[, maxRuns]) or add(name, handle): the name is the Action.
local function arguments(name, pattern, handle, maxRuns)
  if handle == nil and (type(pattern) == "function" or type(pattern) == "table" and
      getmetatable(pattern) and getmetatable(pattern).__call) then
    return name, name, pattern, maxRuns
  end
  return name, pattern, handle, maxRuns
end

function Handlers.add(...)
  local name, pattern, handle, maxRuns = arguments(...)
  return place("add", name, pattern, handle, maxRuns)
end

function Handlers.append(...)
  local name, pattern, handle, maxRuns = arguments(...)
  return place("append", name, pattern, handle, maxRuns)
end

function Handlers.prepend(...)
  local name, pattern, handle, maxRuns = arguments(...)
  return place("prepend", name, pattern, handle, maxRuns)
end

local function positioned(op, anchor)
  return {
    add = function(...)
      local name, pattern, handle, maxRuns = arguments(...)
      return place(op, name, pattern, handle, maxRuns, anchor)
    end,
  }
end
function Handlers.before(name) return positioned("before", name) end
function Handlers.after(name) return positioned("after", name) end

function Handlers.once(...)
  local args = { ... }
  local name, pattern, handle
  if type(args[1]) == "string" and args[3] ~= nil then
    name, pattern, handle = args[1], args[2], args[3]
  elseif type(args[1]) == "string" and args[2] ~= nil and (type(args[2]) == "function") then
    name, pattern, handle = args[1], args[1], args[2]
  else
    name = "_once_" .. tostring(Handlers.onceNonce)
    pattern, handle = args[1], args[2]
  end
  Handlers.onceNonce = Handlers.onceNonce + 1
  return place("prepend", name, pattern, handle, 1)
end

function Handlers.remove(name)
  local at = indexOf(name)
  if at == nil then return nil end
  touch()
  local entry = table.remove(Handlers.list, at)
  entries[name] = nil
  if not H.place("remove", name, nil, 0) then H.edit("remove", name, nil, 0) end
  return entry
end

-- The coroutines of owners' Evals (A.eval): one that waited prints its value when the
-- message it waited for resumes it to its end, as AOS's Eval handler does.
local evals = setmetatable({}, { __mode = "k" })

-- Waits (in the handler's coroutine) for the next message matching `pattern`.
function Handlers.receive(pattern)
  local co, main = coroutine.running()
  if main then error("Handlers.receive must be called from inside a handler", 2) end
  local name = "_once_" .. tostring(Handlers.onceNonce)
  Handlers.onceNonce = Handlers.onceNonce + 1
  place("prepend", name, pattern, function(msg)
    local ok, err = rawresume(co, msg)
    if not ok then error(err, 0) end
    if err ~= nil and evals[co] and coroutine.status(co) == "dead" then print(err) end
  end, 1)
  return coroutine.yield(pattern)
end
Receive = function(pattern) return Handlers.receive(pattern) end

-- Match rules ---------------------------------------------------------------------------
local function valueMatches(rule, value, msg)
  local kind = type(rule)
  if kind == "string" then
    if rule == "_" then return value ~= nil end
    if type(value) ~= "string" then value = value ~= nil and tostring(value) or nil end
    if value == nil then return false end
    if string.lower(rule) == string.lower(value) then return true end
    if hasMagic(rule) then
      local ok, found = pcall(string.match, value, rule)
      return ok and found ~= nil
    end
    return false
  elseif kind == "function" then
    return not not rule(value, msg)
  elseif kind == "table" then
    for _, alternative in ipairs(rule) do
      if valueMatches(alternative, value, msg) then return true end
    end
    return false
  end
  return rule == value
end

-- -1 = run and stop, 1 = run and continue, 0 = skip.
local function decide(pattern, msg)
  local kind = type(pattern)
  if kind == "string" then
    return msg.Action == pattern and -1 or 0
  elseif kind == "function" then
    local r = pattern(msg)
    if r == true or r == -1 or r == "break" then return -1 end
    if r == 1 or r == "continue" then return 1 end
    return 0
  elseif kind == "table" then
    for key, rule in pairs(pattern) do
      local value = msg[key]
      if value == nil or not valueMatches(rule, value, msg) then return 0 end
    end
    return -1
  end
  return 0
end
Handlers.utils._decide = decide

-- Assignments (messages addressed to another process, given to this one by a scheduler)
-- are taken only when one of ao.assignables matches, as in AOS 2.0.4; the runtime asks
-- through A.match under this name.
local ASSIGNABLE = "\0assignable"
ao.assignables = {}
local function assignableAt(name)
  for i, a in ipairs(ao.assignables) do if a.name == name then return i end end
end
function ao.addAssignable(...)
  local name, spec = nil, ...
  if type((...)) == "string" then name, spec = ... end
  local at = name ~= nil and assignableAt(name) or nil
  if at then ao.assignables[at].pattern = spec
  else table.insert(ao.assignables, { name = name, pattern = spec }) end
end
function ao.removeAssignable(name)
  local at = name
  if type(name) == "string" then at = assignableAt(name)
  else assert(type(name) == "number", "index MUST be a number") end
  if at then table.remove(ao.assignables, at) end
end
function ao.isAssignment(msg) return msg.Target ~= ao.id end
function ao.isAssignable(msg)
  for _, a in pairs(ao.assignables) do
    if utils.matchesSpec(msg, a.pattern) then return true end
  end
  return false
end

function A.match(name, msg)
  local entry = entries[name]
  if entry == nil then
    if name == ASSIGNABLE then return ao.isAssignable(msg) and -1 or 0 end
    return 0
  end
  return decide(entry.pattern, msg)
end

-- Runs a handler in its own coroutine (so it may wait with Receive).
-- Returns ok, error text, traceback.
function A.run(name, msg, env)
  local entry = entries[name]
  if entry == nil then return false, "no Lua handler named " .. name, "" end
  local co = coroutine.create(entry.handle)
  local ok, err = rawresume(co, msg, env)
  if ok then
    -- The registry counts runs too and drops the entry at zero; keep the list in step.
    if type(entry.maxRuns) == "number" then
      touch()
      entry.maxRuns = entry.maxRuns - 1
      if entry.maxRuns <= 0 then
        local at = indexOf(name)
        if at and Handlers.list[at] == entry then table.remove(Handlers.list, at) end
        if entries[name] == entry then entries[name] = nil end
      end
    end
    return true
  end
  local text
  if type(err) == "table" then
    local okj, encoded = pcall(json.encode, err)
    text = okj and encoded or tostring(err)
  else
    text = tostring(err)
  end
  return false, text, debug.traceback(co, nil, 0)
end

function Handlers.evaluate(msg, env)
  local handled = false
  for _, entry in ipairs(copy(Handlers.list)) do
    local d = decide(entry.pattern, msg)
    if d ~= 0 then
      entry.handle(msg, env)
      handled = true
      if d == -1 then break end
    end
  end
  return handled
end

-- Handlers.utils --------------------------------------------------------------------------
-- What AOS 2.0.4's return, which code that calls them itself sees: a boolean, and for
-- hasMatchingTagOf true or 0 (both mean "take it" and "skip" to `decide`).
function Handlers.utils.hasMatchingTag(name, value)
  return function(msg) return msg.Tags[name] == value end
end
function Handlers.utils.hasMatchingTagOf(name, values)
  return function(msg)
    for _, v in ipairs(values) do if msg.Tags[name] == v then return true end end
    return 0
  end
end
function Handlers.utils.hasMatchingData(value)
  return function(msg) return msg.Data == value end
end
function Handlers.utils.reply(input)
  return function(msg)
    if type(input) == "string" then msg.reply({ Data = input }) else msg.reply(input) end
  end
end
function Handlers.utils.continue(fn)
  return function(msg)
    local r = fn(msg)
    if r == -1 or r == true or r == "break" then return 1 end
    return r
  end
end

-- Messages -------------------------------------------------------------------------------
local function replyTo(msg, reply)
  if type(reply) ~= "table" then error("msg.reply expects a table", 2) end
  reply = copy(reply)
  reply.Target = msg["Reply-To"] or msg.From
  reply["X-Reference"] = msg["X-Reference"] or msg.Reference
  reply["X-Origin"] = msg["X-Origin"]
  return ao.send(reply)
end

local function forward(msg, target, extra)
  extra = extra or {}
  local out = copy(extra)
  out.Target = target
  out.Data = extra.Data or msg.Data
  out["Reply-To"] = msg["Reply-To"] or msg.From
  out["X-Origin"] = msg["X-Origin"] or msg.From
  out["X-Reference"] = msg["X-Reference"] or msg.Reference
  return ao.send(out)
end

-- Builds the AOS view of an incoming message from the raw fields the host gives.
function A.prepare(msg)
  local array = msg.TagArray
  local map = {}
  for _, tag in ipairs(array) do
    if map[tag.name] == nil then map[tag.name] = tag.value end
  end
  msg.Tags = map
  ao.normalize(msg)
  if msg["Content-Type"] == "application/json" and type(msg.Data) == "string" then
    local ok, decoded = pcall(json.decode, msg.Data)
    if ok then msg.Data = decoded end
  end
  msg.reply = function(reply) return replyTo(msg, reply) end
  msg.forward = function(target, extra) return forward(msg, target, extra) end
  ao.outbox = { Output = {}, Messages = {}, Spawns = {}, Assignments = {} }
  return msg
end

-- The identity, set at boot.
function A.identity(id, owner, name, module, authorities, tagArray)
  ao.id = id
  -- The spawn's tags as AOS shows them: a map (the first value of each name) and the list.
  local tags = {}
  for _, t in ipairs(tagArray) do
    if tags[t.name] == nil then tags[t.name] = t.value end
  end
  ao.env = { Process = { Id = id, Owner = owner, Tags = tags, TagArray = tagArray }, Module = { Id = module } }
  ao.authorities = authorities
  if Owner == nil then Owner = owner end
  if Name == nil then Name = name end
end

-- Unhandled messages: kept in the bounded Inbox, with AOS's notice.
function A.inbox(msg)
  Inbox[#Inbox + 1] = msg
  while #Inbox > MaxInbox do table.remove(Inbox, 1) end
end

-- Eval: runs text as a chunk in the globals; prints a returned value. As in AOS, the text
-- is first tried as an expression (`return <text>`), so `#Inbox` prints the count. The
-- host also passes the function of a precompiled file (already loaded, in the globals).
function A.eval(name, text)
  local chunk, err
  if type(text) == "function" then
    chunk = text
  else
    chunk, err = load("return " .. text, name or "aos", "t", _G)
    if not chunk then chunk, err = load(text, name or "aos", "t", _G) end
  end
  if not chunk then return false, err, "" end
  local co = coroutine.create(chunk)
  evals[co] = true
  local ok, result = rawresume(co)
  if not ok then
    return false, tostring(result), debug.traceback(co, nil, 0)
  end
  -- A chunk that waits (`Receive`) yielded what it waits for: nothing is printed yet.
  if result ~= nil and coroutine.status(co) == "dead" then print(result) end
  return true
end

-- Once the instruction budget is spent, nothing may catch the error: pcall, xpcall and
-- coroutine.resume pass it on. What they catch from a Rust function (json.decode,
-- math.random, bint, ...) reaches Lua as text, as a C function's error would (H.caught).
local rawpcall, rawxpcall = pcall, xpcall
local caught = H.caught
local function passOn(ok, ...)
  if not ok then
    if H.exhausted() then error(H.BUDGET, 0) end
    local e = ...
    if type(e) == "userdata" then return false, caught(e) end
  end
  return ok, ...
end
pcall = function(...) return passOn(rawpcall(...)) end
xpcall = function(f, handler, ...)
  if type(handler) == "function" then
    local given = handler
    handler = function(e) return given(caught(e)) end
  end
  return passOn(rawxpcall(f, handler, ...))
end
coroutine.resume = function(...) return passOn(rawresume(...)) end
