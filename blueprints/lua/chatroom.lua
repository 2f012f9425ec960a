-- A chatroom to the AOS chatroom protocol (aoxide's own blueprint).
Members = Members or {}

local function indexOf(address)
  for i, member in ipairs(Members) do
    if member == address then return i end
  end
  return nil
end

Handlers.add("Register", "Register", function(msg)
  if indexOf(msg.From) then
    msg.reply({ Data = "Already registered." })
    return
  end
  table.insert(Members, msg.From)
  msg.reply({ Data = "Registered." })
end)

Handlers.add("Unregister", "Unregister", function(msg)
  local at = indexOf(msg.From)
  if not at then
    msg.reply({ Data = "Not registered" })
    return
  end
  table.remove(Members, at)
  msg.reply({ Data = "Unregistered" })
end)

Handlers.add("Broadcast", "Broadcast", function(msg)
  local sent = {}
  for _, member in ipairs(Members) do
    if not sent[member] then
      sent[member] = true
      Send({ Target = member, Action = "Broadcast-Notice", Broadcaster = msg.From, Data = msg.Data })
    end
  end
  msg.reply({ Data = "Broadcasted." })
end)
