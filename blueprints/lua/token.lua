-- A token to the AOS token protocol (aoxide's own blueprint, written from the protocol's
-- description): balances are decimal strings computed as 256-bit integers.
local bint = require(".bint")(256)
local json = require("json")

Denomination = Denomination or 12
Balances = Balances or { [ao.id] = tostring(bint(10000) * bint(10) ^ 12) }
TotalSupply = TotalSupply or Balances[ao.id]
Name = Name or "Points Coin"
Ticker = Ticker or "PNTS"
Logo = Logo or "SBCCXwwecBlDqRLUjb8dYABExTJXLieawf7m2aBJ-KY"

local function paint(text) return Colors.gray .. text .. Colors.reset end

local function info()
  return {
    name = Name,
    ticker = Ticker,
    logo = Logo,
    denomination = tostring(Denomination),
    supply = TotalSupply,
  }
end

-- HyperBEAM reads changed state from a patch@1.0 message (no target).
local function patch(changed)
  local balances = {}
  for _, account in ipairs(changed) do balances[account] = Balances[account] end
  Send({ device = "patch@1.0", balances = balances, ["token-info"] = info() })
end

local function positive(quantity)
  assert(type(quantity) == "string", "Quantity is required!")
  local amount = bint(quantity)
  assert(bint.__lt(0, amount), "Quantity must be greater than 0")
  return amount
end

Handlers.add("Info", "Info", function(msg)
  msg.reply(info())
end)

Handlers.add("Balance", "Balance", function(msg)
  local account = msg.From
  if msg.Tags.Recipient then
    account = msg.Tags.Recipient
  elseif msg.Tags.Target and Balances[msg.Tags.Target] then
    account = msg.Tags.Target
  end
  local balance = Balances[account] or "0"
  msg.reply({ Balance = balance, Ticker = Ticker, Account = account, Data = balance })
end)

Handlers.add("Balances", "Balances", function(msg)
  msg.reply({ Data = json.encode(Balances) })
end)

Handlers.add("Transfer", "Transfer", function(msg)
  assert(type(msg.Recipient) == "string", "Recipient is required!")
  local amount = positive(msg.Quantity)
  if not Balances[msg.From] then Balances[msg.From] = "0" end
  if not Balances[msg.Recipient] then Balances[msg.Recipient] = "0" end

  local have = bint(Balances[msg.From])
  if not bint.__le(amount, have) then
    msg.reply({ Action = "Transfer-Error", ["Message-Id"] = msg.Id, Error = "Insufficient Balance!" })
    return
  end
  Balances[msg.From] = tostring(have - amount)
  Balances[msg.Recipient] = tostring(bint(Balances[msg.Recipient]) + amount)

  if not msg.Cast then
    local debit = {
      Action = "Debit-Notice",
      Recipient = msg.Recipient,
      Quantity = msg.Quantity,
      Data = paint("You transferred " .. Colors.blue .. msg.Quantity .. Colors.gray .. " to "
        .. Colors.green .. msg.Recipient),
    }
    local credit = {
      Target = msg.Recipient,
      Action = "Credit-Notice",
      Sender = msg.From,
      Quantity = msg.Quantity,
      Data = paint("You received " .. Colors.blue .. msg.Quantity .. Colors.gray .. " from "
        .. Colors.green .. msg.From),
    }
    for name, value in pairs(msg.Tags) do
      if string.sub(name, 1, 2) == "X-" then
        debit[name] = value
        credit[name] = value
      end
    end
    msg.reply(debit)
    Send(credit)
  end
  patch({ msg.From, msg.Recipient })
end)

Handlers.add("Mint", "Mint", function(msg)
  local amount = positive(msg.Quantity)
  if msg.From ~= ao.id then
    msg.reply({
      Action = "Mint-Error",
      ["Message-Id"] = msg.Id,
      Error = "Only the Process Id can mint new " .. Ticker .. " tokens!",
    })
    return
  end
  Balances[msg.From] = tostring(bint(Balances[msg.From] or "0") + amount)
  TotalSupply = tostring(bint(TotalSupply) + amount)
  msg.reply({ Data = paint("Successfully minted " .. Colors.blue .. msg.Quantity) })
  patch({ msg.From })
end)

Handlers.add("Total-Supply", "Total-Supply", function(msg)
  assert(msg.From ~= ao.id, "Cannot call Total-Supply from the same process!")
  msg.reply({ Action = "Total-Supply", Data = TotalSupply, Ticker = Ticker })
end)
