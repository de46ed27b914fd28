/**
 * The Lua that keeps the SSH key index (`P:sshkeys`, a hash: SHA256 fingerprint → holder, the forms
 * of src/domain/ssh-key-holder.ts). Redis runs one script at a time and a script cannot call
 * another, so these are fragments the three writers compose into their own scripts: the approval
 * scripts (a pending request or change claims its keys when created, releases them when rejected,
 * withdrawn or expired), the partner registry's write (a record's keys registered, changed, freed on
 * offboarding) and the registry's re-index (`reconcile --rebuild`). Every rule about who may hold a
 * key is here.
 */

/**
 * `owner(v)`: the partner a holder names (false for none; the whole value for a conflict, which is
 * nobody's). `release_claims(item, index)`: deletes each fingerprint the item claimed (its hash's
 * `keyClaims`) whose holder is still the item's claim (`keyClaim`): a claim turned into a
 * registration, or replaced by a rebuild, is left alone.
 */
export const KEY_HOLDER_LUA = `
local function owner(v)
  if not v then return false end
  if string.sub(v, 1, 1) == '!' then return v end
  local i = string.find(v, ':', 1, true)
  if i then return string.sub(v, 1, i - 1) end
  return v
end
local function release_claims(item, index)
  local claim = redis.call('HGET', item, 'keyClaim')
  local fps = redis.call('HGET', item, 'keyClaims')
  if not claim or not fps then return end
  for fp in string.gmatch(fps, '%S+') do
    if redis.call('HGET', index, fp) == claim then redis.call('HDEL', index, fp) end
  end
end
`;

/**
 * Re-indexes from the registry: KEYS index; ARGV pairs (fingerprint, holder) — every registered key
 * (a conflict value for one found on several partners). Registrations and conflicts not in ARGV are
 * stale and deleted; pending claims are kept unless a registration of another partner takes their
 * key, which is answered (`<fingerprint> <claim>`) so the rebuild reports it.
 */
export const REINDEX_KEYS = `${KEY_HOLDER_LUA}
local want = {}
for i = 1, #ARGV, 2 do want[ARGV[i]] = ARGV[i + 1] end
local current = redis.call('HGETALL', KEYS[1])
local replaced = {}
for i = 1, #current, 2 do
  local fp, v = current[i], current[i + 1]
  local claim = string.sub(v, 1, 1) ~= '!' and string.find(v, ':', 1, true)
  local w = want[fp]
  if not w then
    if not claim then redis.call('HDEL', KEYS[1], fp) end
  elseif claim and owner(v) ~= owner(w) then
    table.insert(replaced, fp .. ' ' .. v)
  end
end
for fp, v in pairs(want) do redis.call('HSET', KEYS[1], fp, v) end
return replaced
`;
