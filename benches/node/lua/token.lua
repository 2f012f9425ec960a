-- Benchmark token for the AOS side of benches/: the AOS token protocol
-- (see shared spec aos-compat.md, "The token protocol"), written for this
-- harness. Amounts are decimal strings computed with AOS's 256-bit `.bint`.
local bint = require('.bint')(256)
local json = require('json')

Name = Name or 'Bench Token'
Ticker = Ticker or 'BENCH'
Logo = Logo or 'SBCCXwwecBlDqRLUjb8dYABExTJXLieawf7m2aBJ-KY'
Denomination = Denomination or 12
TotalSupply = TotalSupply or '10000000000000000'
Balances = Balances or { [ao.id] = TotalSupply }

local ZERO = bint.zero()

-- A positive integer amount from a decimal string (no floats anywhere).
local function amount(value, what)
  assert(type(value) == 'string' and value:match('^%d+$') and #value <= 77,
    what .. ' must be a decimal integer string')
  local n = bint(value)
  assert(bint.ult(ZERO, n), what .. ' must be greater than 0')
  return n
end

local function balanceOf(account)
  return bint(Balances[account] or '0')
end

local function forwardedTags(msg, into)
  for name, value in pairs(msg.Tags) do
    if type(name) == 'string' and name:sub(1, 2) == 'X-' then
      into[name] = value
    end
  end
  return into
end

local function tokenInfo()
  return { name = Name, ticker = Ticker, logo = Logo,
           denomination = tostring(Denomination), supply = TotalSupply }
end

Handlers.add('bench-info', 'Info', function(msg)
  msg.reply({ name = Name, ticker = Ticker, logo = Logo,
              denomination = tostring(Denomination), supply = TotalSupply })
end)

Handlers.add('bench-balance', 'Balance', function(msg)
  local account = msg.From
  if msg.Tags.Recipient then
    account = msg.Tags.Recipient
  elseif msg.Tags.Target and Balances[msg.Tags.Target] then
    account = msg.Tags.Target
  end
  local bal = Balances[account] or '0'
  msg.reply({ Balance = bal, Ticker = Ticker, Account = account, Data = bal })
end)

Handlers.add('bench-balances', 'Balances', function(msg)
  msg.reply({ Data = json.encode(Balances) })
end)

Handlers.add('bench-transfer', 'Transfer', function(msg)
  local recipient = msg.Tags.Recipient
  assert(type(recipient) == 'string' and #recipient > 0, 'Recipient is required')
  local qty = amount(msg.Tags.Quantity, 'Quantity')
  local sender = msg.From
  local have = balanceOf(sender)
  if bint.ult(have, qty) then
    msg.reply({ Action = 'Transfer-Error', ['Message-Id'] = msg.Id,
                Error = 'Insufficient Balance!' })
    return
  end
  Balances[sender] = tostring(have - qty)
  Balances[recipient] = tostring(balanceOf(recipient) + qty)
  local q = tostring(qty)
  if not msg.Tags.Cast then
    Send(forwardedTags(msg, { Target = sender, Action = 'Debit-Notice',
      Recipient = recipient, Quantity = q,
      Data = 'You transferred ' .. q .. ' to ' .. recipient }))
    Send(forwardedTags(msg, { Target = recipient, Action = 'Credit-Notice',
      Sender = sender, Quantity = q,
      Data = 'You received ' .. q .. ' from ' .. sender }))
  end
  Send({ device = 'patch@1.0',
         balances = { [sender] = Balances[sender], [recipient] = Balances[recipient] },
         ['token-info'] = tokenInfo() })
end)

Handlers.add('bench-mint', 'Mint', function(msg)
  if msg.From ~= ao.id then
    msg.reply({ Action = 'Mint-Error', ['Message-Id'] = msg.Id,
                Error = 'Only the process itself can mint' })
    return
  end
  local qty = amount(msg.Tags.Quantity, 'Quantity')
  Balances[ao.id] = tostring(balanceOf(ao.id) + qty)
  TotalSupply = tostring(bint(TotalSupply) + qty)
  msg.reply({ Data = 'Minted ' .. tostring(qty) .. ' ' .. Ticker })
  Send({ device = 'patch@1.0', balances = { [ao.id] = Balances[ao.id] },
         ['token-info'] = tokenInfo() })
end)

Handlers.add('bench-total-supply', 'Total-Supply', function(msg)
  assert(msg.From ~= ao.id, 'Total-Supply cannot be asked by the process itself')
  msg.reply({ Action = 'Total-Supply', Ticker = Ticker, Data = TotalSupply })
end)

return 'token loaded: ' .. Ticker
