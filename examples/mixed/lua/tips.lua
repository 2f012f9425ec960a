-- The Lua side of the mixed example: it reads and moves the Rust token through the
-- functions the process exposes (`Rust.balance`, `Rust.transfer`).
local json = require("json")

-- In front of every handler, Rust ones included: notes token transfers, then goes on.
Handlers.prepend("Audit", function(msg)
  return msg.Action == "Transfer" and "continue" or "skip"
end, function(msg)
  print("audit: " .. msg.From .. " sends " .. tostring(msg.Quantity))
end)

-- Members and their balances in the Rust token.
Handlers.add("Rich-List", "Rich-List", function(msg)
  local list = {}
  for _, member in ipairs(Members) do
    list[#list + 1] = { member, Rust.balance(member) }
  end
  msg.reply({ Data = json.encode(list) })
end)

-- A tip between members, paid in the Rust token; `Fail = yes` fails after paying, to
-- show that the payment goes back with the message.
Handlers.add("Tip", "Tip", function(msg)
  Rust.transfer(msg.From, msg.Recipient, msg.Quantity)
  Tips = (Tips or 0) + 1
  if msg.Fail == "yes" then error("tip refused after paying") end
  msg.reply({ Data = "Tipped " .. msg.Quantity })
end)
