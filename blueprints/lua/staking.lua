-- Staking to the AOS staking protocol (aoxide's own blueprint): a holder of the token
-- loaded before it (`Balances`) stakes part of a balance, unstakes it, and gets it back
-- once the unstake delay (in blocks) has passed. Releases happen on any later message.
local bint = require(".bint")(256)

Stakers = Stakers or {}
Unstaking = Unstaking or {}
UnstakeDelay = UnstakeDelay or 5

local function positive(quantity)
  assert(type(quantity) == "string", "Quantity is required!")
  local amount = bint(quantity)
  assert(bint.__lt(0, amount), "Quantity must be greater than 0")
  return amount
end

local function blockHeight(msg)
  return math.tointeger(tonumber(msg["Block-Height"]))
end

local function height(msg)
  return assert(blockHeight(msg), "Block-Height is required!")
end

local function sortedKeys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

local function staked(address)
  return Stakers[address] and Stakers[address].amount or "0"
end

-- Runs first on every message with a Block-Height and lets the walk go on: pays out every unstake whose
-- release height has come, stakers in address order, each staker's unstakes in order.
Handlers.prepend("Release", function() return "continue" end, function(msg)
  local now = blockHeight(msg)
  if not now then return end
  for _, address in ipairs(sortedKeys(Unstaking)) do
    local kept = {}
    for _, entry in ipairs(Unstaking[address]) do
      if entry.release_at <= now then
        Balances[address] = tostring(bint(Balances[address] or "0") + bint(entry.amount))
        Send({ Target = address, Action = "Release-Notice", Quantity = entry.amount })
      else
        kept[#kept + 1] = entry
      end
    end
    Unstaking[address] = #kept > 0 and kept or nil
  end
end)

Handlers.add("Stake", "Stake", function(msg)
  local amount = positive(msg.Quantity)
  local have = bint(Balances[msg.From] or "0")
  if bint.__lt(have, amount) then
    msg.reply({ Action = "Stake-Error", ["Message-Id"] = msg.Id, Error = "Insufficient Balance!" })
    return
  end
  Balances[msg.From] = tostring(have - amount)
  local staker = Stakers[msg.From] or { amount = "0" }
  staker.amount = tostring(bint(staker.amount) + amount)
  Stakers[msg.From] = staker
  msg.reply({ Action = "Stake-Notice", Quantity = msg.Quantity, Staked = staker.amount })
end)

Handlers.add("Unstake", "Unstake", function(msg)
  local amount = positive(msg.Quantity)
  local staker = Stakers[msg.From]
  if not staker or bint.__lt(bint(staker.amount), amount) then
    msg.reply({ Action = "Unstake-Error", ["Message-Id"] = msg.Id, Error = "Insufficient Stake!" })
    return
  end
  local left = bint(staker.amount) - amount
  Stakers[msg.From] = bint.__lt(0, left) and { amount = tostring(left) } or nil
  local release_at = height(msg) + UnstakeDelay
  local queue = Unstaking[msg.From] or {}
  queue[#queue + 1] = { amount = tostring(amount), release_at = release_at }
  Unstaking[msg.From] = queue
  msg.reply({
    Action = "Unstake-Notice",
    Quantity = tostring(amount),
    Staked = staked(msg.From),
    ["Release-At"] = tostring(release_at),
  })
end)

Handlers.add("Stake-Of", "Stake-Of", function(msg)
  local address = msg.Tags.Staker or msg.From
  local pending = bint(0)
  for _, entry in ipairs(Unstaking[address] or {}) do pending = pending + bint(entry.amount) end
  msg.reply({ Staker = address, Staked = staked(address), Unstaking = tostring(pending), Data = staked(address) })
end)

Handlers.add("Stakers", "Stakers", function(msg)
  local out = {}
  for address, staker in pairs(Stakers) do out[address] = staker.amount end
  msg.reply({ Data = require("json").encode(out) })
end)
