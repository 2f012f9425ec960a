-- Stake-weighted voting (aoxide's own blueprint; load after staking.lua): `Vote` with
-- `Proposal` and `Side` (yay or nay) counts the voter's stake once per proposal;
-- `Get-Votes` replies with the tally as JSON.
local bint = require(".bint")(256)
local json = require("json")

Votes = Votes or {}

Handlers.add("Vote", "Vote", function(msg)
  local proposal, side = msg.Proposal, msg.Side
  assert(type(proposal) == "string", "Proposal is required!")
  assert(side == "yay" or side == "nay", "Side must be yay or nay")
  local weight = bint(Stakers[msg.From] or "0")
  if not bint.__lt(0, weight) then
    msg.reply({ Action = "Vote-Error", Error = "Only stakers can vote" })
    return
  end
  local tally = Votes[proposal] or { yay = "0", nay = "0", voters = {} }
  if tally.voters[msg.From] then
    msg.reply({ Action = "Vote-Error", Error = "Already voted" })
    return
  end
  tally.voters[msg.From] = side
  tally[side] = tostring(bint(tally[side]) + weight)
  Votes[proposal] = tally
  msg.reply({ Action = "Voted", Proposal = proposal, Side = side, Weight = tostring(weight) })
end)

Handlers.add("Get-Votes", "Get-Votes", function(msg)
  local tally = Votes[msg.Proposal] or { yay = "0", nay = "0" }
  msg.reply({ Data = json.encode({ yay = tally.yay, nay = tally.nay }) })
end)
