-- Voting to the AOS voting protocol (aoxide's own blueprint), on top of the staking
-- blueprint: stakers vote `yay` or `nay` on a proposal with the weight of their stake,
-- once each, until the proposal's deadline (a block height); any later message settles
-- every proposal past its deadline and tells the proposer the outcome.
local bint = require(".bint")(256)

Proposals = Proposals or {}

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

local function outcome(p)
  return bint.__lt(bint(p.nay), bint(p.yay)) and "Passed" or "Rejected"
end

Handlers.prepend("Settle", function() return "continue" end, function(msg)
  local now = blockHeight(msg)
  if not now then return end
  for _, name in ipairs(sortedKeys(Proposals)) do
    local p = Proposals[name]
    if not p.settled and p.deadline < now then
      p.settled = true
      Send({
        Target = p.proposer,
        Action = "Proposal-Result",
        Proposal = name,
        Yay = p.yay,
        Nay = p.nay,
        Outcome = outcome(p),
      })
    end
  end
end)

Handlers.add("Propose", "Propose", function(msg)
  local name = msg.Tags.Proposal
  assert(type(name) == "string" and #name > 0, "Proposal is required!")
  local duration = math.tointeger(tonumber(msg.Tags.Duration or ""))
  assert(duration and duration > 0, "Duration must be a positive whole number of blocks")
  if Proposals[name] then
    msg.reply({ Action = "Propose-Error", ["Message-Id"] = msg.Id, Error = "Proposal exists: " .. name })
    return
  end
  local deadline = height(msg) + duration
  Proposals[name] = {
    proposer = msg.From, yay = "0", nay = "0", deadline = deadline, voters = {}, text = msg.Data,
  }
  msg.reply({ Action = "Propose-Notice", Proposal = name, Deadline = tostring(deadline) })
end)

Handlers.add("Vote", "Vote", function(msg)
  local name, side = msg.Tags.Proposal, msg.Tags.Side
  local p = Proposals[name or ""]
  local refuse = function(why)
    msg.reply({ Action = "Vote-Error", ["Message-Id"] = msg.Id, Error = why })
  end
  if not p then return refuse("No such proposal") end
  if side ~= "yay" and side ~= "nay" then return refuse("Side must be yay or nay") end
  if p.settled or height(msg) > p.deadline then return refuse("Voting has closed") end
  if p.voters[msg.From] then return refuse("Already voted") end
  local stake = Stakers[msg.From] and Stakers[msg.From].amount or "0"
  if not bint.__lt(0, bint(stake)) then return refuse("Only stakers can vote") end
  p.voters[msg.From] = side
  p[side] = tostring(bint(p[side]) + bint(stake))
  msg.reply({ Action = "Vote-Notice", Proposal = name, Side = side, Weight = stake, Yay = p.yay, Nay = p.nay })
end)

Handlers.add("Proposal", "Proposal", function(msg)
  local name = msg.Tags.Proposal or ""
  local p = Proposals[name]
  if not p then
    msg.reply({ Action = "Proposal-Error", Error = "No such proposal" })
    return
  end
  msg.reply({
    Proposal = name, Yay = p.yay, Nay = p.nay, Deadline = tostring(p.deadline),
    Status = p.settled and outcome(p) or "Open", Data = p.text,
  })
end)
