-- Staking over the token of the same process (aoxide's own blueprint; load after
-- token.lua). Stakes are locked; an unstake is released once `Delay` blocks have passed
-- (`Finalize`, typically from cron).
local bint = require(".bint")(256)

Stakers = Stakers or {}
Unstaking = Unstaking or {}
Delay = Delay or 10

local function amount(quantity)
  assert(type(quantity) == "string", "Quantity is required!")
  local q = bint(quantity)
  assert(bint.__lt(0, q), "Quantity must be greater than 0")
  return q
end

Handlers.add("Stake", "Stake", function(msg)
  local q = amount(msg.Quantity)
  local have = bint(Balances[msg.From] or "0")
  if bint.__lt(have, q) then
    msg.reply({ Action = "Stake-Error", Error = "Insufficient Balance!" })
    return
  end
  Balances[msg.From] = tostring(have - q)
  Stakers[msg.From] = tostring(bint(Stakers[msg.From] or "0") + q)
  msg.reply({ Action = "Staked", Quantity = msg.Quantity, Staked = Stakers[msg.From] })
end)

Handlers.add("Unstake", "Unstake", function(msg)
  local q = amount(msg.Quantity)
  local staked = bint(Stakers[msg.From] or "0")
  if bint.__lt(staked, q) then
    msg.reply({ Action = "Unstake-Error", Error = "Insufficient stake" })
    return
  end
  Stakers[msg.From] = tostring(staked - q)
  local release = (msg["Block-Height"] or 0) + Delay
  table.insert(Unstaking, { account = msg.From, amount = tostring(q), release = release })
  msg.reply({ Action = "Unstaking", Quantity = msg.Quantity, Release = tostring(release) })
end)

Handlers.add("Finalize", "Finalize", function(msg)
  local height = msg["Block-Height"] or 0
  local waiting, released = {}, 0
  for _, u in ipairs(Unstaking) do
    if u.release <= height then
      Balances[u.account] = tostring(bint(Balances[u.account] or "0") + bint(u.amount))
      released = released + 1
    else
      waiting[#waiting + 1] = u
    end
  end
  Unstaking = waiting
  print("released " .. released)
end)
